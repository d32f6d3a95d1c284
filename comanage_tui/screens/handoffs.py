"""Handoffs screen: work passed between the parties and not yet taken, and what to do about it.

Who waits on whom (from → to), for how long in the receiver's business time against the
acknowledgement target, how often it bounced. Actions move a handoff through
requested → acknowledged → accepted | returned, always with the version the user saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from comanage_tui.data.errors import ComanageError
from comanage_tui.data.models import Handoff, HandoffIn, HandoffState, HandoffUpdate, Party, Person
from comanage_tui.data.readmodel.org import HandoffStatus, handoff_statuses
from comanage_tui.data.sla.engine import ClockState
from comanage_tui.data.sla.explain import format_duration
from comanage_tui.data.store import Store
from comanage_tui.screens.listing import ListingScreen, Row, count, list_bindings, make_table
from comanage_tui.screens.undo import UndoEntry
from comanage_tui.widgets.footer import KeyFooter
from comanage_tui.widgets.form import FormField, FormScreen, InfoScreen, PromptScreen, Submit
from comanage_tui.widgets.safe import clean, text
from comanage_tui.widgets.states import handoff_label, toned

# The ack clock in handoff words; glyphs and tones as widgets/states.py uses for clocks.
ACK_MARK = {
    ClockState.RUNNING: ("● on time", ""),
    ClockState.PAUSED: ("‖ paused", "muted"),
    ClockState.AT_RISK: ("▲ at risk", "warn"),
    ClockState.BREACHED: ("✖ late", "bad"),
    ClockState.MET: ("✔ acked", "good"),
    ClockState.MISSED: ("✖ late ack", "bad"),
}
# (label, key function, newest/largest first?)
SORTS: list[tuple[str, Callable[[HandoffStatus], object], bool]] = [
    ("age", lambda s: s.age_seconds, True),
    ("requested", lambda s: s.handoff.requested_at, True),
    ("bounces", lambda s: s.handoff.bounce_count, True),
    ("state", lambda s: list(HandoffState).index(s.handoff.state), False),
    ("from → to", lambda s: (s.handoff.from_party_key, s.handoff.to_party_key), False),
]
# Narrow fixed columns, the summary takes the rest (32 cells at 80 columns); `w` adds the optional ones.
COLUMNS = [("From → to", "route", 11), ("State", "state", 14), ("Ack", "ack", 10), ("↩", "bounce", 2),
           ("Waited/target", "waited", 13), ("Ticket", "ticket", 9), ("Summary", "summary", None)]
OPTIONAL = frozenset({"waited", "ticket"})


def short(seconds: float) -> str:
    """format_duration without a trailing ' 0m' ("4h", "6h 30m")."""
    s = format_duration(seconds)
    return s[:-3] if s.endswith(" 0m") and not s.startswith("0h") else s


def waited(st: HandoffStatus) -> str:
    """"6h 30m / 4h": business time waited against the ack target."""
    return f"{short(st.age_seconds)} / {short(st.handoff.ack_target_minutes * 60)}"


def ack_mark(app: App, st: HandoffStatus) -> Text:
    """The ack clock's state as glyph + word ("✖ late"), toned."""
    label, tone = ACK_MARK.get(st.ack.state, (st.ack.state.value, ""))
    return toned(app, label, tone)


def ack_cell(app: App, st: HandoffStatus) -> Text:
    """"6h 30m / 4h ✖ late": business time waited against the ack target, and the ack clock's state."""
    return Text.assemble(f"{waited(st)} ", ack_mark(app, st))


def waiting_on(st: HandoffStatus) -> str:
    """Who has to act: the receiver while open, the sender once it came back returned."""
    return st.handoff.from_party_key if st.handoff.state == HandoffState.RETURNED else st.waiting_on


@dataclass
class HandoffsLoaded(Message):
    """A worker read the handoffs (and the parties and people the forms offer)."""

    statuses: list[HandoffStatus]
    parties: list[Party]
    people: list[Person]


@dataclass
class HandoffDetailReady(Message):
    """The detail of one handoff (and its ticket), read in a worker, ready to show."""

    title: str
    lines: list[Text]


class HandoffsScreen(ListingScreen):
    """Open handoffs (optionally closed ones too), with acknowledge / accept / return / re-request."""

    MODE = "handoffs"
    TITLE_ID, FILTER_ID, TABLE_ID = "ho-title", "ho-filter", "ho-table"
    OPTIONAL = OPTIONAL
    EDIT_ACTIONS = frozenset({"acknowledge", "accept", "return", "rerequest", "new", "edit"})

    DEFAULT_CSS = """
    HandoffsScreen #ho-table { height: 1fr; }
    HandoffsScreen #ho-preview { height: auto; max-height: 4; border-top: solid $primary; padding: 0 1; }
    """

    # The footer shows the first few; `?` lists them all (with the movement keys).
    BINDINGS = [
        Binding("a", "acknowledge", "Acknowledge", tooltip="Acknowledge: the receiver has seen it (stops the ack clock)", id="handoffs.acknowledge"),
        Binding("p", "accept", "Accept", tooltip="Accept (pick up): the receiver takes the work and the ticket", id="handoffs.accept"),
        Binding("b", "return", "Return…", tooltip="Return (bounce back) to the sender with a reason", id="handoffs.return"),
        Binding("r", "rerequest", "Re-request", show=False, tooltip="Ask again for a returned handoff", id="handoffs.rerequest"),
        Binding("n", "new", "New", tooltip="New handoff (a form)", id="handoffs.new"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit the summary, context, people named or ack target", id="handoffs.edit"),
        Binding("enter", "detail", "Detail", tooltip="Summary, context, return reason, ack clock, ticket", id="handoffs.detail"),
        Binding("c", "toggle_closed", "Show accepted", show=False, tooltip="Include accepted (closed) handoffs", id="handoffs.toggle_closed"),
        *list_bindings(show_filter=True),
    ]

    AUTO_FOCUS = "#ho-table"

    show_closed: reactive[bool] = reactive(False)
    """Include accepted handoffs (returned ones are always shown: they wait on the sender)."""

    def __init__(self, *args, **kwargs) -> None:  # Screen's signature
        super().__init__(*args, **kwargs)
        self.statuses: list[HandoffStatus] = []
        self.parties: list[Party] = []
        self.people: dict[int, str] = {}
        self.persons: list[Person] = []

    def compose(self) -> ComposeResult:
        yield from self.list_head("filter: text in route, state, ticket or summary")
        yield make_table("ho-table", COLUMNS, cursor_type="row", zebra_stripes=True)
        yield Static(id="ho-preview")
        yield KeyFooter()

    # -- loading ------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the handoffs in a worker; the cursor stays on the same handoff."""
        self._load(self.app.now(), not self.show_closed)

    def fetch(self, store: Store, now: int, open_only: bool) -> HandoffsLoaded:
        """The handoffs (open and returned ones unless closed are shown) and the names the forms offer."""
        ctx = self.read_context(store, now)
        # A returned handoff waits on its sender: it stays in the default list. Only these are
        # read by default; years of accepted handoffs are read when the closed ones are shown.
        states = (HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED, HandoffState.RETURNED) if open_only else None
        statuses = handoff_statuses(store, ctx, now, open_only=False, states=states)
        return HandoffsLoaded(statuses, list(ctx.parties.values()), ctx.people(store))

    def on_handoffs_loaded(self, message: HandoffsLoaded) -> None:
        self.statuses, self.parties, self.persons = message.statuses, message.parties, message.people
        self.people = {p.id: p.name for p in message.people}
        self.loaded()

    def watch_show_closed(self) -> None:
        if self.is_mounted:
            self.reload()

    # -- showing ------------------------------------------------------------------

    def sorts(self) -> list[tuple[str, Callable[[HandoffStatus], object], bool]]:
        return SORTS

    def visible(self) -> list[HandoffStatus]:
        """The statuses after filter and sort, in table order."""
        _label, key, reverse = SORTS[self.sort_index]
        needle = self.filter_text.casefold().strip()
        rows = [s for s in self.statuses if not needle or needle in self._haystack(s)]
        return sorted(rows, key=lambda s: (key(s), s.handoff.id), reverse=reverse != self.sort_reverse)

    @staticmethod
    def _haystack(s: HandoffStatus) -> str:
        h = s.handoff
        return " ".join([h.from_party_key, h.to_party_key, h.state.value, h.ticket_ref or "", h.summary]).casefold()

    def _cells(self, s: HandoffStatus) -> tuple:
        h = s.handoff
        return (
            text(f"{h.from_party_key}→{h.to_party_key}"),
            toned(self.app, *handoff_label(h.state)),
            ack_mark(self.app, s),
            Text(f"↩{h.bounce_count}" if h.bounce_count else ""),
            Text(waited(s)),
            text(h.ticket_ref or "–"),
            text(h.summary, limit=200),
        )

    def column_spec(self) -> list[tuple[str, str, int | None]]:
        return COLUMNS

    def rows(self) -> list[Row]:
        return [(str(s.handoff.id), self._cells(s)) for s in self.visible()]

    def title_parts(self) -> list[str]:
        open_ = [s for s in self.statuses if s.handoff.state.is_open]
        late = sum(s.ack.state == ClockState.BREACHED for s in open_)
        waiting: dict[str, int] = {}
        for s in self.statuses:
            if s.handoff.state.is_open or s.handoff.state == HandoffState.RETURNED:
                waiting[waiting_on(s)] = waiting.get(waiting_on(s), 0) + 1
        who = ", ".join(f"{k} {n}" for k, n in sorted(waiting.items()))
        parts = [f"Handoffs: {len(open_)} open", count(late, "✖", "late", "late"), f"waiting: {who or 'nobody'}",
                 self.sort_caption()]
        if self.show_closed:
            parts.insert(1, "incl. closed")
        return parts

    def current(self) -> HandoffStatus | None:
        """The status under the cursor."""
        key = self.cursor_key()
        return next((s for s in self.statuses if str(s.handoff.id) == key), None)

    def show_preview(self) -> None:
        s = self.current()
        preview = self.query_one("#ho-preview", Static)
        if s is None:
            preview.update(text("No handoffs match." if self._loaded else "Loading…"))
            return
        h = s.handoff
        waits = h.state.is_open or h.state == HandoffState.RETURNED
        second = [f"waiting on {waiting_on(s)}" if waits else h.state.value, f"{h.from_party_key} → {h.to_party_key}",
                  f"waited {ack_cell(self.app, s).plain}", f"ticket {h.ticket_ref or '–'}", f"bounced {h.bounce_count}×"]
        if h.return_reason:
            second.append(f"reason: {h.return_reason}")
        preview.update(Text.assemble(text(f"#{h.id} {h.summary}", "bold"), "\n", text(" · ".join(second), single_line=False)))

    def select_id(self, item_id: int) -> None:
        """Put the cursor on handoff `item_id`, clearing the filter or showing closed ones if needed."""
        if self.filter_text:
            self.clear_filter()
        self.when_loaded(lambda: self._select(item_id))

    def _select(self, item_id: int) -> None:
        if self.move_to_row(str(item_id)):
            return
        if not self.show_closed:
            self.after_next_load(lambda: self._select(item_id))
            self.show_closed = True  # reloads; the selection is tried again once that lands
        else:
            self.notify(f"handoff {item_id} is not in this database", severity="warning")

    def action_toggle_closed(self) -> None:
        """Include or hide accepted and returned handoffs."""
        self.show_closed = not self.show_closed

    # -- actions --------------------------------------------------------------------

    def _target(self, allowed: set[HandoffState], verb: str) -> HandoffStatus | None:
        """The row to act on, or None after telling the user why not."""
        if self.refuse_edit():
            return None
        s = self.current()
        if s is None:
            self.notify("no handoff selected", severity="warning")
        elif s.handoff.state not in allowed:
            self.notify(f"cannot {verb} a handoff that is {s.handoff.state.value}", severity="warning")
            s = None
        return s

    def _step(self, h: Handoff, what: str, verb: str, step: Callable[[Store], Handoff]) -> None:
        """Write one state step of `h`; `z` puts the handoff (and a moved ticket) back as it was."""

        def change(st: Store) -> tuple[Handoff, tuple[str, int | None] | None]:
            holder = None
            if verb == "accept" and h.ticket_id is not None:
                t = st.tickets.get(h.ticket_id)
                holder = (t.holder_party_key, t.holder_person_id)
            return step(st), holder

        def undo(result: tuple[Handoff, tuple[str, int | None] | None]) -> UndoEntry:
            saved, holder = result
            return UndoEntry(f"{verb} of handoff {h.id}", lambda st, version: st.handoffs.restore(
                h.id, h, expected_version=version, ticket_holder=holder), f"handoff:{h.id}", h.version, saved.version)

        self.write(what, change, undo=undo)

    def action_acknowledge(self) -> None:
        """Acknowledge: the receiver has seen it."""
        if s := self._target({HandoffState.REQUESTED}, "acknowledge"):
            h, now = s.handoff, self.app.now()
            self._step(h, f"handoff {h.id} acknowledged", "acknowledge",
                       lambda st: st.handoffs.acknowledge(h.id, at=now, expected_version=h.version))

    def action_accept(self) -> None:
        """Accept: the receiver takes the work."""
        if s := self._target({HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED}, "accept"):
            h, now = s.handoff, self.app.now()
            self._step(h, f"handoff {h.id} accepted by {h.to_party_key}", "accept",
                       lambda st: st.handoffs.accept(h.id, at=now, expected_version=h.version))

    def action_return(self) -> None:
        """Return it to the sender; a reason is required."""
        if s := self._target({HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED}, "return"):
            h = s.handoff

            def send(reason: str | None) -> None:
                if reason:
                    now = self.app.now()
                    self._step(h, f"handoff {h.id} returned to {h.from_party_key}", "return",
                               lambda st: st.handoffs.return_(h.id, reason, at=now, expected_version=h.version))

            self.app.push_screen(PromptScreen(f"Return handoff {h.id} to {h.from_party_key}", "Reason"), send)

    def action_rerequest(self) -> None:
        """Ask again for a returned handoff."""
        if s := self._target({HandoffState.RETURNED}, "re-request"):
            h, now = s.handoff, self.app.now()
            self._step(h, f"handoff {h.id} requested again", "re-request",
                       lambda st: st.handoffs.rerequest(h.id, at=now, expected_version=h.version))

    def action_new(self) -> None:
        """A new handoff, from a form that validates as you type."""
        if self.refuse_edit():
            return
        choices = [(clean(p.name), p.key) for p in self.parties]
        internal = next((p.key for p in self.parties if p.kind == "internal"), None)
        fields = [
            FormField("from_party", "From party", kind="select", choices=choices, default=internal, required=True),
            FormField("to_party", "To party", kind="select", choices=choices, required=True),
            FormField("ticket_ref", "Ticket ref", placeholder="optional, e.g. INC100046"),
            FormField("summary", "Summary", required=True, help="what the receiver should do"),
            FormField("context", "Context", kind="multiline", empty="", help="what was tried already"),
            FormField("ack_target_minutes", "Ack target (min)", kind="int", default=240, required=True,
                      help="business minutes on the receiver's calendar"),
        ]
        def write(data: HandoffIn) -> Submit:
            return Submit(lambda st: st.handoffs.create(data), note=f"handoff to {data.to_party} created")

        form = FormScreen("New handoff", fields, HandoffIn, extra={"requested_at": self.app.now()}, write=write)
        self.app.push_screen(form, self.form_saved)

    def action_edit(self) -> None:
        """Edit the handoff under the cursor: summary, context, who is named, ack target."""
        if not (s := self._target({HandoffState.REQUESTED, HandoffState.ACKNOWLEDGED, HandoffState.RETURNED}, "edit")):
            return
        h = s.handoff

        def people_of(party_id: int, current: int | None) -> list[tuple[str, int]]:
            return [(clean(p.name), p.id) for p in self.persons
                    if p.party_id == party_id and (p.active or p.id == current)]

        fields = [
            FormField("summary", "Summary", required=True, help="what the receiver should do"),
            FormField("context", "Context", kind="multiline", empty="", help="what was tried already"),
            FormField("from_person_id", f"From ({clean(h.from_party_key)})", kind="select",
                      choices=people_of(h.from_party_id, h.from_person_id), empty=None),
            FormField("to_person_id", f"To ({clean(h.to_party_key)})", kind="select",
                      choices=people_of(h.to_party_id, h.to_person_id), empty=None),
            FormField("ack_target_minutes", "Ack target (min)", kind="int", required=True,
                      help="business minutes on the receiver's calendar"),
        ]
        values = {"summary": h.summary, "context": h.context, "from_person_id": h.from_person_id,
                  "to_person_id": h.to_person_id, "ack_target_minutes": h.ack_target_minutes}
        def write(data: HandoffUpdate) -> Submit:
            return Submit(lambda st: st.handoffs.update(h.id, data, expected_version=h.version),
                          lambda st: st.handoffs.update(h.id, data), note=f"handoff {h.id} saved")

        form = FormScreen(f"Edit handoff {h.id}", fields, HandoffUpdate, values=values, only_changed=True, write=write)
        self.app.push_screen(form, self.form_saved)

    # -- detail ---------------------------------------------------------------------

    def action_detail(self) -> None:
        """Everything about the handoff under the cursor, and its ticket."""
        if (s := self.current()) is not None:
            self._detail(s)

    @work(thread=True, exclusive=True, group="handoffs-detail", exit_on_error=False)
    def _detail(self, s: HandoffStatus) -> None:
        h = s.handoff
        lines = [text(h.summary, "bold", single_line=False),
                 text(f"{h.from_party_key} → {h.to_party_key} · {handoff_label(h.state)[0]} · bounced {h.bounce_count}×")]
        lines.append(Text.assemble("Ack clock: ", ack_cell(self.app, s), f" ({s.ack.state.value}; target {h.ack_target_minutes} business min)"))
        for label, pid in (("From", h.from_person_id), ("To", h.to_person_id)):
            if pid is not None:
                lines.append(text(f"{label} person: {self.people.get(pid, pid)}"))
        lines += [Text(""), Text("Context", style="bold"), text(h.context or "(none given)", single_line=False)]
        if h.return_reason:
            lines += [Text(""), Text("Return reason", style="bold"), text(h.return_reason, single_line=False)]
        if h.ticket_id is not None:
            try:
                t = self.read_store().tickets.get(h.ticket_id)
                lines += [Text(""), Text("Ticket", style="bold"),
                          text(f"{t.ref} · {t.priority} · {t.status} · held by {t.holder_party_key} · area {t.area_key or '–'}"),
                          text(t.title, single_line=False)]
            except ComanageError as exc:
                lines.append(text(f"Ticket: {exc}"))
        self.post_message(HandoffDetailReady(f"Handoff {h.id}", lines))

    def on_handoff_detail_ready(self, message: HandoffDetailReady) -> None:
        self.app.push_screen(InfoScreen(message.title, message.lines))
