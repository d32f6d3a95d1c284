"""The Textual application: wiring, app-wide bindings, screen switching."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from comanage_tui.data.store import Store


class ComanageApp(App):
    """comanage dashboard (interim: the store's counts until the screens land)."""

    TITLE = "comanage"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, store: Store, now: int | None = None):
        super().__init__()
        self.store = store
        self.fixed_now = now

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="counts")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("table", "rows")
        for name, n in self.store.counts().items():
            table.add_row(name, f"{n:,}")
