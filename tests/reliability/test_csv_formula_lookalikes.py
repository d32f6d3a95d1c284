"""CSV cells whose formula sign hides behind blanks, invisible characters or a fullwidth look-alike are neutralised."""

from __future__ import annotations

import csv
import io
import sqlite3
import zipfile
from pathlib import Path

import pytest

from comanage_tui.data.snapshot.csv_files import cell
from tests.cli.test_cli import run

AS_OF = "2026-11-23T08:30:00Z"
# What the attack report found getting through: a sign after a space, NBSP, ZWSP or BOM, or a fullwidth sign.
DISGUISED = [" =HYPERLINK(\"http://x\",\"y\")", "\u00a0=1+1", "\u200b=cmd|' /C calc'!A0", "\ufeff@SUM(A1)",
             "\uff1dSUM(A1:A9)", "\uff0b1+1", "\uff0d2", "\uff20A1", "\u3000\u200b -1", "\ufe66 1", "\t =1"]
HARMLESS = ["plain title", " leading space only", "\u00a0nbsp then words", "\u200bzero width then words", "1+1=2"]


@pytest.mark.parametrize("value", DISGUISED)
def test_a_disguised_formula_gets_the_leading_quote(value: str) -> None:
    out = cell(value)
    assert isinstance(out, str) and out.startswith("'"), repr(out)


@pytest.mark.parametrize("value", HARMLESS)
def test_ordinary_text_is_left_alone(value: str) -> None:
    assert cell(value) == value


def test_disguised_formulas_through_a_whole_csv_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "kt.db"
    made = run("--db", str(db), "demo", "--tickets", "20", "--now", AS_OF)
    assert made.returncode == 0, made.stderr
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM kt_items ORDER BY id")]
    assert len(ids) >= len(DISGUISED)
    for kt_id, topic in zip(ids, DISGUISED, strict=False):
        conn.execute("UPDATE kt_items SET topic = ? WHERE id = ?", (topic, kt_id))
    conn.commit()
    conn.close()
    out = run("--db", str(db), "snapshot", "--format", "csv", "--as-of", AS_OF, "--out", str(tmp_path / "s.zip"))
    assert out.returncode == 0, out.stderr
    with zipfile.ZipFile(tmp_path / "s.zip") as z:
        rows = list(csv.DictReader(io.StringIO(z.read("kt_items.csv").decode("utf-8-sig"))))
    topics = {r["topic"] for r in rows}
    for value in DISGUISED:
        assert "'" + value.replace("\t", " ") in topics, value
