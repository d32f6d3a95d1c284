"""The export dialog (`x`): pick a format and a path, write the status snapshot in a worker.

The snapshot is built from the same read model the screens show, at the app's `now()`,
so what is exported is what the lead is looking at. The dialog stays open on an error
(a bad path is fixed in place) and closes with a notification naming the file on success.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from comanage_tui.config import export_dir
from comanage_tui.data.snapshot.write import EXTENSIONS
from comanage_tui.ui_errors import describe
from comanage_tui.widgets.fields import FieldInput, TickBox
from comanage_tui.widgets.safe import clean

NOTES_LABEL = "Include private notes (ticket notes, KT notes, handoff context)"
FORMAT_CHOICES = [("Markdown for mail or chat (.md)", "md"), ("HTML page, prints on A4 (.html)", "html"),
                  ("JSON data (.json)", "json"), ("CSV tables in a zip (.zip)", "csv")]


@dataclass
class ExportFinished(Message):
    """The worker wrote the snapshot (`path`) or failed (`error`)."""

    path: Path | None
    error: BaseException | None = None


def default_path(now: int, fmt: str) -> Path:
    """`<export dir>/comanage-snapshot-YYYY-MM-DD.<ext>`, dated by the dashboard's `now` (local date)."""
    day = dt.datetime.fromtimestamp(now).date().isoformat()
    return export_dir() / f"comanage-snapshot-{day}{EXTENSIONS[fmt]}"


class ExportScreen(ModalScreen[Path | None]):
    """Export a status snapshot; dismisses with the written path, or None when cancelled.

    Subclasses export something else (the Review screen's period review) by overriding the
    class attributes below, `suggested_path` and `build_and_write`.
    """

    TITLE_TEXT = "Export status snapshot"
    WHAT = "Snapshot"
    FORMATS = FORMAT_CHOICES
    NOTES = True
    """Offer the private-notes tick box."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > #export-box {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    ExportScreen #export-title { text-style: bold; margin-bottom: 1; }
    ExportScreen .export-row { height: auto; }
    ExportScreen .export-label { width: 10; padding-top: 1; }
    ExportScreen .export-row > Select, ExportScreen .export-row > Input { width: 1fr; }
    ExportScreen #export-status { height: auto; color: $text-muted; }
    ExportScreen #export-status.-error { color: $text-error; text-style: bold; }
    ExportScreen #export-buttons { height: auto; align-horizontal: right; }
    ExportScreen #export-buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", tooltip="Write the snapshot to the path shown", id="export.export"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without exporting", id="export.cancel"),
    ]

    def __init__(self, fmt: str = "md") -> None:
        super().__init__()
        self._fmt = fmt
        self._auto_path: str = ""
        """The suggested path last filled in: replaced when the format changes, unless the user edited it."""

    def compose(self) -> ComposeResult:
        self._auto_path = str(self.suggested_path(self._fmt))
        with Vertical(id="export-box"):
            yield Label(self.TITLE_TEXT, id="export-title")
            with Horizontal(classes="export-row"):
                yield Label("Format", classes="export-label")
                yield Select(self.FORMATS, value=self._fmt, allow_blank=False, id="export-format")
            with Horizontal(classes="export-row"):
                yield Label("Save to", classes="export-label")
                # The cursor at the end, nothing selected: the first key edits the path instead of erasing it.
                yield FieldInput(self._auto_path, id="export-path", select_on_focus=False)
            yield Static(f"Default folder: {clean(str(export_dir()), limit=300)}", id="export-folder", markup=False)
            if self.NOTES:
                yield TickBox(NOTES_LABEL, id="export-notes")
            yield Static("Ctrl+S exports; Escape closes. An existing file is replaced.", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        path = self.query_one("#export-path", Input)
        path.focus()
        path.cursor_position = len(path.value)

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK:
            return
        self._fmt = str(event.value)
        path = self.query_one("#export-path", Input)
        if path.value == self._auto_path:
            self._auto_path = path.value = str(self.suggested_path(self._fmt))

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted, "#export-path")
    def action_export(self) -> None:
        """Start writing; the button stays disabled until the worker reports back."""
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._status("Give a path to write to.", error=True)
            return
        target = Path(text).expanduser()
        folder = target.parent
        # Only the default folder is created when missing; any other folder must exist (a typo must not make one).
        if not folder.is_dir() and folder != export_dir():
            self._status(f"Not exported: the folder {clean(str(folder), limit=300)} does not exist.", error=True)
            return
        self.query_one("#export-go", Button).disabled = True
        self._status(f"Writing the {self.WHAT.lower()}…")
        notes = bool(self.NOTES and self.query_one("#export-notes", Checkbox).value)
        self._write(self._fmt, target, notes, self.app.now())

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def suggested_path(self, fmt: str) -> Path:
        return default_path(self.app.now(), fmt)

    def build_and_write(self, store, fmt: str, path: Path, include_notes: bool, now: int) -> Path:  # a Store
        """Runs in the worker: build what is exported from the read model and write it."""
        from comanage_tui.data.snapshot.build import SnapshotOptions, build_snapshot
        from comanage_tui.data.snapshot.write import write_snapshot

        return write_snapshot(build_snapshot(store, SnapshotOptions(as_of=now, include_notes=include_notes)), fmt, path)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(self, fmt: str, path: Path, include_notes: bool, now: int) -> None:
        # The app's second connection when it has one: a 100k-ticket export must not hold up paging.
        store = getattr(self.app, "reader", None) or self.app.store
        try:
            self.post_message(ExportFinished(self.build_and_write(store, fmt, path, include_notes, now)))
        except Exception as exc:  # any failure is shown in the dialog and as a notification
            self.post_message(ExportFinished(None, exc))

    def on_export_finished(self, message: ExportFinished) -> None:
        self.query_one("#export-go", Button).disabled = False
        if message.error is not None:
            text = describe(message.error) if not isinstance(message.error, OSError) else clean(
                f"cannot write there: {message.error.strerror or message.error}", limit=400)
            self._status(f"Not exported: {text}", error=True)
            self.app.notify(text, title=f"{self.WHAT} not exported", severity="error", markup=False, timeout=8)
            return
        self.app.notify(f"{self.WHAT} written to {clean(message.path, limit=400)}", title="Exported", markup=False)
        self.dismiss(message.path)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(text)
        status.set_class(error, "-error")
