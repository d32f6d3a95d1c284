"""The data layer is headless: importing it (and running the CLI's data commands) never loads Textual."""

from __future__ import annotations

import subprocess
import sys


def test_data_layer_does_not_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, comanage_tui.data as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'comanage_tui.data.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
