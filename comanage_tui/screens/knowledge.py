"""Knowledge screen: the knowledge-transfer backlog, and who can do each area (coverage).

Backlog: every KT item by area with status, kind, direction, teacher → learners, due date
(overdue marked) and stale runbooks marked. Coverage: per area, is it documented, are
reviews in time, how many internal and partner people can do it, single points flagged;
`e` there edits who can do the area (after a shadowing session, say), which is what
clears a single point of knowledge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import ContentSwitcher, DataTable, Static

from comanage_tui.data.models import Area, CapabilitiesIn, KtDirection, KtItem, KtItemIn, KtItemUpdate, KtKind, KtStatus, Person
from comanage_tui.data.readmodel.context import local_today
from comanage_tui.data.readmodel.kt import Coverage, kt_coverage
from comanage_tui.data.store import Store
from comanage_tui.screens.listing import ListingScreen, Row, count, list_bindings, make_table, plural
from comanage_tui.screens.undo import UndoEntry
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.form import FormField, FormScreen, InfoScreen, Submit
from comanage_tui.widgets.safe import clean, text

STATUS_MARK = {KtStatus.PLANNED: "○ planned", KtStatus.IN_PROGRESS: "◐ in progress",
               KtStatus.DONE: "● done", KtStatus.VERIFIED: "✔ verified"}
STATUS_ORDER = list(KtStatus)
DIRECTION = {KtDirection.PARTNER_TO_INTERNAL: "partner→internal", KtDirection.INTERNAL_TO_PARTNER: "internal→partner"}
SPOF_SHORT = {"only one person can do it": "⚠ one person", "only the partner can do it": "⚠ partner only",
              "nobody is recorded as able to do it": "⚠ nobody"}
# Narrow fixed columns, the text column (width None) takes the rest; `w` adds the optional ones.
BACKLOG_COLS = [("Area", "area", 8), ("Topic", "topic", None), ("Status", "status", 13), ("Due", "due", 10),
                ("Flags", "flags", 9), ("Kind", "kind", 12), ("Direction", "dir", 16), ("Teacher → learners", "who", 24)]
COVERAGE_COLS = [("Area", "area", None), ("Crit.", "crit", 8), ("Doc", "doc", 5), ("Reviews", "review", 9),
                 ("Int", "int", 3), ("Ptr", "ptr", 3), ("Single point", "spof", 14), ("KT open", "open", 20)]
OPTIONAL = frozenset({"due", "kind", "dir", "who", "crit", "open"})
# (label, key) per view; the second element orders rows.
BACKLOG_SORTS: list[tuple[str, Callable[[KtItem], object]]] = [
    ("area", lambda i: (i.area_key, i.due_date or dt.date.max)),
    ("due", lambda i: i.due_date or dt.date.max),
    ("status", lambda i: STATUS_ORDER.index(i.status)),
    ("topic", lambda i: i.topic.casefold()),
]
COVERAGE_SORTS: list[tuple[str, Callable[[Coverage], object]]] = [
    ("area", lambda c: c.area.name.casefold()),
    ("risk", lambda c: (c.single_point is None, list(reversed(("low", "medium", "high", "critical")))
                        .index(c.area.criticality.value))),
]


@dataclass
class KnowledgeLoaded(Message):
    """A worker read the backlog, the coverage and the names the forms offer."""

    items: list[KtItem]
    coverage: list[Coverage]
    areas: list[Area]
    people: list[Person]
    today: dt.date
    capable: dict[str, list[int]]
    """Area key → ids of the people recorded as able to do its work."""


class KnowledgeScreen(ListingScreen):
    """The KT backlog (status, review, new, edit) and per-area coverage."""

    MODE = "knowledge"
    TITLE_ID, FILTER_ID = "kt-title", "kt-filter"  # the table is the view's: see table()
    OPTIONAL = OPTIONAL
    EDIT_ACTIONS = frozenset({"next_status", "previous_status", "reviewed", "new", "edit"})

    DEFAULT_CSS = """
    KnowledgeScreen ContentSwitcher { height: 1fr; }
    KnowledgeScreen DataTable { height: 1fr; }
    KnowledgeScreen #kt-preview { height: auto; max-height: 4; border-top: solid $primary; padding: 0 1; }
    """

    # The footer shows the first few; `?` lists them all (with the movement keys).
    BINDINGS = [
        Binding("u", "next_status", "Next status", tooltip="Move the item to its next status (planned → … → verified)", id="knowledge.next_status"),
        Binding("U", "previous_status", "Previous status", show=False, tooltip="Move the item back one status", id="knowledge.previous_status"),
        Binding("v", "reviewed", "Reviewed today", tooltip="Record that the document was reviewed today", id="knowledge.reviewed"),
        Binding("n", "new", "New", tooltip="New knowledge-transfer item", id="knowledge.new"),
        Binding("e", "edit", "Edit", tooltip="Edit the item under the cursor; in coverage, who can do the area", id="knowledge.edit"),
        Binding("enter", "detail", "Detail", tooltip="Everything about the row", id="knowledge.detail"),
        Binding("c", "toggle_view", "Coverage", tooltip="Switch between the backlog and coverage per area", id="knowledge.toggle_view"),
        *list_bindings(),
    ]
    AUTO_FOCUS = "#kt-backlog"

    view: reactive[str] = reactive("backlog")
    """"backlog" or "coverage": which table is shown (each has its own sorts)."""

    def __init__(self, *args, **kwargs) -> None:  # Screen's signature
        super().__init__(*args, **kwargs)
        self.items: list[KtItem] = []
        self.coverage: list[Coverage] = []
        self.areas: list[Area] = []
        self.people: list[Person] = []
        self.capable: dict[str, list[int]] = {}
        self.today: dt.date | None = None

    def compose(self) -> ComposeResult:
        yield from self.list_head("filter: text in area, topic, status, kind or names")
        with ContentSwitcher(initial="kt-backlog"):
            yield make_table("kt-backlog", BACKLOG_COLS, cursor_type="row", zebra_stripes=True)
            yield make_table("kt-coverage", COVERAGE_COLS, cursor_type="row", zebra_stripes=True)
        yield Static(id="kt-preview")
        yield KeyFooter()

    # -- loading ------------------------------------------------------------------

    def fetch(self, store: Store, now: int) -> KnowledgeLoaded:
        """The backlog, the coverage and the names the forms offer (in the load worker)."""
        ctx = self.read_context(store, now)
        today = local_today(ctx, now)
        items = ctx.kt_items(store)
        caps = ctx.capabilities(store)
        coverage = kt_coverage(store, ctx, today, items, caps)
        capable: dict[str, list[int]] = {}
        for area, person_id, _party in caps:
            capable.setdefault(area, []).append(person_id)
        return KnowledgeLoaded(items, coverage, list(ctx.areas.values()), ctx.people(store), today, capable)

    def on_knowledge_loaded(self, message: KnowledgeLoaded) -> None:
        self.items, self.coverage, self.today = message.items, message.coverage, message.today
        self.areas, self.people = sorted(message.areas, key=lambda a: a.name), message.people
        self.capable = message.capable
        self.loaded()

    def watch_view(self, view: str) -> None:
        if not self.is_mounted:
            return
        self.query_one(ContentSwitcher).current = f"kt-{view}"
        self.sort_index = 0
        self.refresh_rows()
        self.table().focus()

    # -- showing ------------------------------------------------------------------

    def table(self) -> DataTable:
        """The table of the current view."""
        return self.query_one(f"#kt-{self.view}", DataTable)

    def column_spec(self) -> list[tuple[str, str, int | None]]:
        return BACKLOG_COLS if self.view == "backlog" else COVERAGE_COLS

    def sorts(self) -> list[tuple[str, Callable]]:
        return BACKLOG_SORTS if self.view == "backlog" else COVERAGE_SORTS

    def name_of(self, person_id: int | None) -> str:
        return next((p.name for p in self.people if p.id == person_id), "–" if person_id is None else f"#{person_id}")

    def able(self, area_key: str) -> str:
        """The names of who can do an area, with their party, for the preview and the detail."""
        party = {p.id: p.party_key for p in self.people}
        names = [f"{self.name_of(pid)} ({party.get(pid, '?')})" for pid in self.capable.get(area_key, [])]
        return ", ".join(names) or "nobody recorded"

    def flags(self, item: KtItem) -> str:
        today = self.today or dt.date.min  # before the first load nothing counts as late
        marks = (["✖ overdue"] if item.is_overdue(today) else []) + (["⚠ stale"] if item.is_stale(today) else [])
        return " ".join(marks)

    def _item_cells(self, i: KtItem) -> tuple:
        who = f"{self.name_of(i.teacher_id)} → {', '.join(self.name_of(p) for p in i.learner_ids) or '–'}"
        return (text(i.area_key), text(i.topic, limit=200), Text(STATUS_MARK[i.status]),
                Text(i.due_date.isoformat() if i.due_date else "–"), Text(self.flags(i), style="bold"),
                Text(i.kind.value.replace("_", " ")), Text(DIRECTION[i.direction]), text(who))

    def reviews(self, c: Coverage) -> str:
        reviewed = [i for i in self.items if i.area_key == c.area.key and i.last_reviewed is not None]
        if c.stale:
            return f"⚠ {c.stale} stale"
        return "✔ in time" if reviewed else "– never"

    def _coverage_cells(self, c: Coverage) -> tuple:
        spof = SPOF_SHORT.get(c.single_point or "", "⚠ " + (c.single_point or "") if c.single_point else "")
        kt = f"{c.open_items} open" + (f", ✖ {c.overdue} overdue" if c.overdue else "")
        return (text(c.area.name), Text(c.area.criticality.value), Text("✔ yes" if c.documented else "✖ no"),
                Text(self.reviews(c)), Text(str(c.internal_people)), Text(str(c.partner_people)),
                Text(spof, style="bold"), Text(kt))

    def visible(self) -> list[Row]:
        """(row key, cells) for the current view after filter and sort."""
        needle = self.filter_text.casefold().strip()
        if self.view == "backlog":
            items = sorted(self.items, key=lambda i: (BACKLOG_SORTS[self.sort_index][1](i), i.id), reverse=self.sort_reverse)
            rows = [(str(i.id), self._item_cells(i)) for i in items]
        else:
            cov = sorted(self.coverage, key=COVERAGE_SORTS[self.sort_index][1], reverse=self.sort_reverse)
            rows = [(c.area.key, self._coverage_cells(c)) for c in cov]
        return [r for r in rows if not needle or needle in " ".join(c.plain for c in r[1]).casefold()]

    def rows(self) -> list[Row]:
        return self.visible()

    def title_parts(self) -> list[str]:
        today = self.today or dt.date.min
        open_ = sum(i.status in (KtStatus.PLANNED, KtStatus.IN_PROGRESS) for i in self.items)
        if self.view == "backlog":
            return [f"KT backlog: {open_} open", count(sum(i.is_overdue(today) for i in self.items), "✖", "overdue", "overdue"),
                    count(sum(i.is_stale(today) for i in self.items), "⚠", "stale", "stale"), self.sort_caption()]
        return [f"Coverage: {plural(len(self.coverage), 'area')}",
                count(sum(c.single_point is not None for c in self.coverage), "⚠", "single point"),
                count(sum(not c.documented for c in self.coverage), "✖", "undocumented", "undocumented"), self.sort_caption()]

    def current_item(self) -> KtItem | None:
        key = self.cursor_key() if self.view == "backlog" else None
        return next((i for i in self.items if str(i.id) == key), None)

    def current_coverage(self) -> Coverage | None:
        key = self.cursor_key() if self.view == "coverage" else None
        return next((c for c in self.coverage if c.area.key == key), None)

    def show_preview(self) -> None:
        preview = self.query_one("#kt-preview", Static)
        if (i := self.current_item()) is not None:
            second = [f"{i.area_key}: {DIRECTION[i.direction]} {i.kind.value.replace('_', ' ')}",
                      f"due {i.due_date.isoformat() if i.due_date else '–'}", f"teacher {self.name_of(i.teacher_id)}",
                      f"learners {', '.join(self.name_of(p) for p in i.learner_ids) or '–'}"]
            if i.last_reviewed:
                second.append(f"reviewed {i.last_reviewed} / every {i.review_interval_days or '–'} d")
            preview.update(Text.assemble(text(f"#{i.id} {i.topic}", "bold"), " ", (self.flags(i), "bold"), "\n",
                                         text(" · ".join(second), single_line=False)))
        elif (c := self.current_coverage()) is not None:
            why = c.single_point or "more than one person, internal included"
            preview.update(Text.assemble(text(f"{c.area.name} ({c.area.criticality.value})", "bold"), "\n",
                                         text(f"{why} · can do it: {self.able(c.area.key)} · "
                                              f"KT {c.open_items} open, {c.overdue} overdue", single_line=False)))
        else:
            preview.update(text("No rows match." if self.today else "Loading…"))

    def select_id(self, item_id: int) -> None:
        """Show the backlog with the cursor on KT item `item_id` (the filter is cleared)."""
        if self.filter_text:
            self.clear_filter()
        self.view = "backlog"
        self.when_loaded(lambda: self._select(item_id))

    def _select(self, item_id: int) -> None:
        if not self.move_to_row(str(item_id), self.query_one("#kt-backlog", DataTable)):
            self.notify(f"knowledge-transfer item {item_id} is not in this database", severity="warning")

    # -- view -----------------------------------------------------------------------

    def action_toggle_view(self) -> None:
        """Switch between the backlog and coverage per area."""
        self.view = "coverage" if self.view == "backlog" else "backlog"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_status", "previous_status", "reviewed") and self.view != "backlog":
            return False
        return super().check_action(action, parameters)

    # -- actions --------------------------------------------------------------------

    def _writable_item(self) -> KtItem | None:
        if self.refuse_edit():
            return None
        item = self.current_item()
        if item is None:
            self.notify("no knowledge-transfer item selected", severity="warning")
        return item

    def _step_status(self, step: int) -> None:
        if (i := self._writable_item()) is None:
            return
        at = STATUS_ORDER.index(i.status) + step
        if not 0 <= at < len(STATUS_ORDER):  # stop at the ends: a verified item never wraps back to planned
            self.notify(f"{clean(i.topic, limit=40)} is {i.status.value.replace('_', ' ')} already: "
                        f"{'the last' if step > 0 else 'the first'} status", markup=False)
            return
        new, old = STATUS_ORDER[at], i.status
        what = f"{clean(i.topic, limit=40)}: {new.value.replace('_', ' ')}"

        def undo(saved: KtItem) -> UndoEntry:
            return UndoEntry(f"{what} (back to {old.value.replace('_', ' ')})",
                             lambda st, version: st.kt.set_status(i.id, old, expected_version=version),
                             f"kt:{i.id}", i.version, saved.version)

        self.write(what, lambda st: st.kt.set_status(i.id, new, expected_version=i.version), undo=undo)

    def action_next_status(self) -> None:
        """planned → in progress → done → verified (and there it stops)."""
        self._step_status(1)

    def action_previous_status(self) -> None:
        """Back one status."""
        self._step_status(-1)

    def action_reviewed(self) -> None:
        """The document was re-read today and is current: clears a stale mark."""
        if (i := self._writable_item()) is not None and self.today is not None:
            today, old = self.today, i.last_reviewed
            what = f"{clean(i.topic, limit=40)}: reviewed {today}"

            def undo(saved: KtItem) -> UndoEntry:
                return UndoEntry(f"{what} (back to {old or 'never'})",
                                 lambda st, version: st.kt.update(i.id, {"last_reviewed": old}, expected_version=version),
                                 f"kt:{i.id}", i.version, saved.version)

            self.write(what, lambda st: st.kt.record_review(i.id, today, expected_version=i.version), undo=undo)

    def _fields(self, new: bool) -> list[FormField]:
        people = [(clean(f"{p.name} ({p.party_key})"), p.id) for p in self.people]
        enum = lambda e: [(m.value.replace("_", " "), m.value) for m in e]  # noqa: E731
        head = [FormField("area", "Area", kind="select", choices=[(clean(a.name), a.key) for a in self.areas], required=True),
                FormField("topic", "Topic", required=True),
                FormField("kind", "Kind", kind="select", choices=enum(KtKind), default="runbook", required=True),
                FormField("direction", "Direction", kind="select", choices=[(DIRECTION[d], d.value) for d in KtDirection],
                          default="partner_to_internal", required=True)]
        rest = [FormField("status", "Status", kind="select", choices=enum(KtStatus), default="planned", required=True),
                FormField("teacher_id", "Teacher", kind="select", choices=people),
                FormField("learner_ids", "Learners", kind="multi", choices=people, default=[], help="space ticks a name"),
                FormField("due_date", "Due date", kind="date", placeholder="YYYY-MM-DD"),
                FormField("doc_link", "Document link", empty=""),
                FormField("last_reviewed", "Last reviewed", kind="date", placeholder="YYYY-MM-DD"),
                FormField("review_interval_days", "Review every (days)", kind="int", help="stale once this has passed"),
                FormField("notes", "Notes", kind="multiline", empty="")]
        return head + rest if new else [head[1]] + rest

    def action_new(self) -> None:
        """A new item, from a form that validates as you type."""
        if self.refuse_edit():
            return

        def write(data: KtItemIn) -> Submit:
            return Submit(lambda st: st.kt.add(data), note=f"added: {clean(data.topic, limit=40)}")

        form = FormScreen("New knowledge-transfer item", self._fields(True), KtItemIn, write=write, check=self._check_dates)
        self.app.push_screen(form, self.form_saved)

    def action_edit(self) -> None:
        """Edit the item under the cursor (only changed fields are saved); in coverage, who can do the area."""
        if self.view == "coverage":
            self._edit_capable()
            return
        if (i := self._writable_item()) is None:
            return
        values = i.model_dump()
        values.update(status=i.status.value)

        def write(data: KtItemUpdate) -> Submit:
            # The toast names the item as it is now: the new topic when it was renamed.
            topic = clean(data.topic or i.topic, limit=40)
            return Submit(lambda st: st.kt.update(i.id, data, expected_version=i.version),
                          lambda st: st.kt.update(i.id, data), note=f"saved: {topic}")

        form = FormScreen(f"Edit KT item {i.id}", self._fields(False), KtItemUpdate, values=values, only_changed=True,
                          write=write, check=self._check_dates)
        self.app.push_screen(form, self.form_saved)

    def _check_dates(self, data: KtItemIn | KtItemUpdate) -> dict[str, str]:
        """A review cannot have happened after today: it would count as reviewed in time."""
        if data.last_reviewed is not None and self.today is not None and data.last_reviewed > self.today:
            return {"last_reviewed": f"cannot be in the future (today is {self.today.isoformat()})"}
        return {}

    def _edit_capable(self) -> None:
        if self.refuse_edit():
            return
        if (c := self.current_coverage()) is None:
            self.notify("no area selected", severity="warning")
            return
        area, before = c.area.key, list(self.capable.get(c.area.key, []))
        # Everyone active, plus anyone already recorded (so they can be unticked after leaving).
        people = sorted((p for p in self.people if p.active or p.id in before), key=lambda p: (p.party_key, p.name.casefold()))
        field = FormField("people", "Who can do it", kind="multi", choices=[(clean(f"{p.name} ({p.party_key})"), p.id) for p in people],
                          default=[], help="space ticks a name; more than one, internal included, is no single point")

        def write(data: CapabilitiesIn) -> Submit:
            n = len(set(data.people))
            note = f"{clean(c.area.name, limit=40)}: {n} {'person' if n == 1 else 'people'} can do it"
            return Submit(lambda st: st.org.set_capabilities(area, data.people, expected=before),
                          lambda st: st.org.set_capabilities(area, data.people), note=note)

        form = FormScreen(f"Who can do {clean(c.area.name, limit=40)}", [field], CapabilitiesIn, values={"people": before},
                          write=write)
        self.app.push_screen(form, self.form_saved)

    # -- detail ---------------------------------------------------------------------

    def action_detail(self) -> None:
        """Everything about the row under the cursor (an item, or an area's coverage)."""
        if (i := self.current_item()) is not None:
            lines = [text(i.topic, "bold", single_line=False),
                     text(f"{i.area_key} · {STATUS_MARK[i.status]} · {i.kind.value.replace('_', ' ')} · {DIRECTION[i.direction]}"),
                     text(f"Teacher: {self.name_of(i.teacher_id)}"),
                     text(f"Learners: {', '.join(self.name_of(p) for p in i.learner_ids) or '–'}"),
                     text(f"Due: {i.due_date or '–'}  {self.flags(i)}"),
                     text(f"Last reviewed: {i.last_reviewed or 'never'} · review every {i.review_interval_days or '–'} days"),
                     text(f"Document: {i.doc_link or '–'}"), Text(""), Text("Notes", style="bold"),
                     text(i.notes or "(none)", single_line=False)]
            self.app.push_screen(InfoScreen(f"KT item {i.id}", lines))
        elif (c := self.current_coverage()) is not None:
            its = [i for i in self.items if i.area_key == c.area.key]
            lines = [text(f"{c.area.name} · criticality {c.area.criticality.value}", "bold"),
                     Text(f"Documented: {'✔ yes, a runbook is done or verified' if c.documented else '✖ no finished runbook'}"),
                     Text(f"Reviews: {self.reviews(c)}"),
                     Text(f"People who can do it: {c.internal_people} internal, {c.partner_people} partner"),
                     text(f"  {self.able(c.area.key)}", single_line=False),
                     Text(f"Single point: {'⚠ ' + c.single_point if c.single_point else 'no'}"),
                     Text(""), Text(f"KT items ({len(its)}; {c.open_items} open, {c.overdue} overdue)", style="bold")]
            lines += [text(f"{STATUS_MARK[i.status]}  {i.topic}  {self.flags(i)}") for i in its] or [Text("(none)")]
            self.app.push_screen(InfoScreen(f"Coverage: {clean(c.area.key)}", lines))
