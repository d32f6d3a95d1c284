"""Modal forms that validate as you type; the small dialogs (widgets/dialogs.py) are re-exported here.

A form is declared as a list of `FormField`s and a pydantic input model. Every change
re-runs `Model.model_validate` on the current values; each error is shown under the
field it belongs to, and the form refuses to save while any remain. It dismisses with
the validated model instance, or `None` on Escape / Cancel.

Example::

    from comanage_tui.widgets.form import FormField, FormScreen

    fields = [
        FormField("ref", "Ticket ref", required=True, help="the PSA's number"),
        FormField("title", "Title", required=True),
        FormField("priority", "Priority", kind="select",
                  choices=[("P1", "P1"), ("P2", "P2"), ("P3", "P3")], default="P3"),
        FormField("hours_spent", "Hours", kind="float", default=0),
        FormField("notes", "Notes", kind="multiline", empty=""),
    ]
    form = FormScreen("New ticket", fields, TicketIn, extra={"party": "internal", "opened_at": now})
    self.app.push_screen(form, self._on_ticket_form)   # callback gets TicketIn | None

    # editing: start from the record's values, validate only what the user changed
    form = FormScreen("Edit ticket", fields, TicketUpdate, values={"title": t.title, ...},
                      only_changed=True)

A form given `write=` (a function of the valid model returning a `Submit`) writes through
the store itself and stays open until the store accepts (widgets/form_submit.py): what the
store refuses appears under its field; nothing typed is lost. Messages are pydantic's in
words (widgets/form_messages.py).

ConfirmScreen, PromptScreen and InfoScreen live in `widgets/dialogs.py` (examples there);
they are imported from here too, as the screens always have.

Field kinds and the value each produces: text → str, multiline → str, select → the
choice's value, multi → list of the ticked choices' values, int → int, float → float
("1,5" is read as 1.5), date → `datetime.date` (typed YYYY-MM-DD), bool → bool.
A blank text/int/date/select field is left out of the data (the model's default
applies) unless `empty=` says what blank means (e.g. `""` or `None`). `extra` values
(ids, timestamps) are merged in before validation and are never shown. Keys: Ctrl+S
saves from anywhere; Enter in a one-line field saves; Escape cancels; Tab moves on.

Text fields hold only what a terminal can show safely, and save exactly what they show:
everything typed, pasted or preset passes `data.text.clean_input` on the way in (control
and bidi characters become U+FFFD, line breaks of every kind become a newline, or a space
in a one-line field). A paste of several lines into a one-line field keeps every line,
joined by spaces (Textual's Input would keep only the first). Too long or blank after
trimming is refused by the model, with the reason under the field; nothing is cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from comanage_tui.data.text import clean_input
from comanage_tui.data.validation import field_errors
from comanage_tui.widgets.dialogs import CONFLICT_CHOICES, YES_NO, Choice, ConfirmScreen, InfoScreen, PromptScreen
from comanage_tui.widgets.fields import FieldInput, FieldTextArea, TickBox
from comanage_tui.widgets.form_submit import StoreSubmit, Submit
from comanage_tui.widgets.safe import text

# The dialogs are re-exported: screens and tests import them from this module.
__all__ = [
    "CONFLICT_CHOICES", "OMIT", "YES_NO", "Choice", "ConfirmScreen", "FieldInput", "FieldKind", "FieldTextArea", "FormField",
    "FormScreen", "InfoScreen", "PromptScreen", "Submit",
]

FieldKind = Literal["text", "multiline", "select", "multi", "int", "float", "date", "bool"]


class _Omit:
    """Marker: a blank field contributes nothing, so the model's own default applies."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()


@dataclass(frozen=True)
class FormField:
    """One field of a form.

    Attributes:
        name: the model field it fills (pydantic error locations map back to it).
        label: shown above the input.
        kind: text, multiline, select, multi, int, float, date or bool.
        choices: for select and multi: (label, value) pairs.
        default: the initial value when `values` does not give one.
        required: blank is an error ("required") before the model is asked.
        help: one line shown under the input while it has no error.
        empty: what a blank input means; OMIT leaves the key out of the data.
        placeholder: greyed hint inside a one-line input.
    """

    name: str
    label: str
    kind: FieldKind = "text"
    choices: Sequence[tuple[str, Any]] = ()
    default: Any = None
    required: bool = False
    help: str = ""
    empty: Any = OMIT
    placeholder: str = ""


class _Invalid(Exception):
    """A raw input that cannot even be converted (e.g. 'abc' in an int field)."""


def _blank(value: Any) -> bool:
    return value is None or value is Select.NULL or (isinstance(value, str) and not value.strip())


def _convert(f: FormField, raw: Any) -> Any:
    """The typed value of one widget's raw content; OMIT/empty for blank."""
    if f.kind == "bool":
        return bool(raw)
    if f.kind == "multi":
        return list(raw)
    if _blank(raw):
        return f.empty
    if f.kind == "int":
        try:
            return int(str(raw).strip().replace("_", ""))
        except ValueError:
            raise _Invalid("must be a whole number") from None
    if f.kind == "float":
        try:
            return float(str(raw).strip().replace(",", "."))
        except ValueError:
            raise _Invalid("must be a number, e.g. 1.5") from None
    if f.kind == "date":
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise _Invalid("use a date like 2026-12-31") from None
    return raw


class FormScreen(StoreSubmit, ModalScreen[BaseModel | None]):
    """A modal form over a pydantic model; dismisses with the validated instance or None."""

    # Compact one-line inputs with the label beside them: a six-field form fits 80×24.
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > #form-box {
        width: 78; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $panel; padding: 0 1;
    }
    FormScreen #form-title { text-style: bold; width: 1fr; margin-bottom: 1; }
    FormScreen #form-fields { height: auto; }
    FormScreen .form-row { height: auto; }
    FormScreen .form-label { width: 20; }
    FormScreen .form-row > Input, FormScreen .form-row > Select, FormScreen .form-row > TextArea { width: 1fr; }
    FormScreen .form-row > TextArea { height: 3; }
    FormScreen .form-row > SelectionList { width: 1fr; height: auto; max-height: 4; }
    FormScreen .form-help { color: $text-muted; padding-left: 20; height: auto; }
    FormScreen .form-help.form-error { color: $text-error; text-style: bold; }
    FormScreen .-invalid { border-left: outer $error; }
    FormScreen #form-foot { dock: bottom; height: auto; }
    FormScreen #form-problem { color: $text-error; text-style: bold; height: auto; }
    FormScreen #form-buttons { height: 1; align-horizontal: right; }
    FormScreen #form-buttons Button { margin-left: 2; }
    """

    # The first field has the focus when the form opens (by default it was the scrolling
    # container around the fields, so typing or pasting at once went nowhere).
    AUTO_FOCUS = ".form-row > *"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the form (refused while a field is invalid)", id="form.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="form.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        model: type[BaseModel],
        *,
        values: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        only_changed: bool = False,
        check: Callable[[BaseModel], Mapping[str, str]] | None = None,
        save_label: str = "Save",
        write: Callable[[BaseModel], Submit | None] | None = None,
    ) -> None:
        """
        Args:
            title: the heading.
            fields: what to ask, in order.
            model: the pydantic input model the data must satisfy.
            values: initial values by field name (an edit form's current record).
            extra: hidden values merged into the data (ids, timestamps, versions).
            only_changed: validate and return only fields whose value differs from its
                initial one (for `…Update` models, where a missing key means "unchanged").
            check: extra rules after the model passed; returns {field name: message}.
            save_label: the save button's text.
            write: given the valid model, what to write (None: nothing to write). The form
                writes it through `app.store` and closes only once it is saved.
        """
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.model = model
        self.extra = dict(extra or {})
        self.only_changed = only_changed
        self.check = check
        self.save_label = save_label
        self.write = write
        self.written: object = None
        """What the store returned for the write (e.g. the saved record)."""
        self._store_errors: dict[str, tuple[str, Any]] = {}
        """The store's refusals by field: (message, the raw value it refused); shown until that value changes."""
        self._submit: Submit | None = None
        self._sent: BaseModel | None = None
        given = dict(values or {})
        # Stored text is shown cleaned (an escape sequence in a note must not reach the
        # terminal through an Input); "changed" compares against the cleaned value, so a
        # field the user did not touch is never rewritten.
        self.initial = {f.name: _shown(f, given.get(f.name, f.default)) for f in self.fields}
        #: the current errors by field name ("" = the whole form), after the last change
        self.errors: dict[str, str] = {}
        self.result: BaseModel | None = None
        self._touched: set[str] = set()
        self._show_all = False
        self._lines: dict[str | None, str] = {}  # what each help/problem line shows now

    # -- building ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(text(self.form_title), id="form-title")
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    label = f"{f.label}{' *' if f.required else ''}"
                    with Horizontal(classes="form-row"):
                        yield Label(text("" if f.kind == "bool" else label), classes="form-label")
                        yield self._input_for(f, label)
                    yield Static(text(f.help), id=f"help-{f.name}", classes="form-help")
            with Vertical(id="form-foot"):
                yield Static("", id="form-problem")
                with Horizontal(id="form-buttons"):
                    yield Button(f"{self.save_label} ^s", id="form-save", variant="primary", compact=True)
                    yield Button("Cancel esc", id="form-cancel", compact=True)

    def _input_for(self, f: FormField, label: str) -> Widget:
        value = self.initial[f.name]
        wid = f"field-{f.name}"
        if f.kind == "multiline":
            return FieldTextArea("" if value is None else str(value), id=wid, soft_wrap=True, compact=True,
                                 placeholder=f.placeholder or "…")
        if f.kind == "select":
            known = [v for _, v in f.choices]
            start = value if value in known else Select.NULL
            return Select([(text(lbl) if isinstance(lbl, str) else lbl, v) for lbl, v in f.choices], value=start, allow_blank=not f.required or start is Select.NULL, id=wid, compact=True)
        if f.kind == "bool":
            return TickBox(label, bool(value), id=wid, compact=True)
        if f.kind == "multi":
            chosen = set(value or ())
            return SelectionList(*[(text(lbl), v, v in chosen) for lbl, v in f.choices], id=wid, compact=True)
        shown = "" if value is None or value is OMIT else (value.isoformat() if isinstance(value, dt.date) else str(value))
        # A placeholder even when none is given: an empty compact input has no border to see it by.
        hint = f.placeholder or ("YYYY-MM-DD" if f.kind == "date" else "…")
        return FieldInput(shown, placeholder=hint, id=wid, restrict={"int": r"[-0-9_]*", "float": r"[-0-9.,]*"}.get(f.kind),
                          compact=True)

    def on_mount(self) -> None:
        for widget in self.query(SelectionList):
            self._mark_ticks(widget)
        # Open at the top, each text showing its beginning (Input puts its cursor at the end).
        for field in self.query(Input):
            field.cursor_position = 0
        self.query_one("#form-fields").scroll_home(animate=False)
        self.validate_now()

    # -- reading and validating -------------------------------------------------

    def _raw(self, f: FormField) -> Any:
        widget = self.query_one(f"#field-{f.name}")
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, SelectionList):
            return widget.selected
        return widget.value  # Input, Select and Checkbox all expose .value

    def _raw_of(self, name: str) -> Any:
        f = next((f for f in self.fields if f.name == name), None)
        return None if f is None else self._raw(f)

    def raw_values(self) -> dict[str, Any]:
        """The widgets' current contents by field name, unconverted."""
        return {f.name: self._raw(f) for f in self.fields}

    def validate_now(self) -> BaseModel | None:
        """Re-check everything; update the shown messages; the model instance if valid."""
        errors: dict[str, str] = {}
        data: dict[str, Any] = {}
        for f in self.fields:
            try:
                value = _convert(f, self._raw(f))
            except _Invalid as exc:
                errors[f.name] = str(exc)
                continue
            if f.required and (value is OMIT or _blank(value)):
                errors[f.name] = "required"
                continue
            if self.only_changed and self._same(f, value):
                continue
            if self.only_changed and value is OMIT:
                value = None  # cleared on purpose: an update model reads None as "set to nothing"
            if value is not OMIT:
                data[f.name] = value
        # The model runs even when a field already failed, so cross-field rules (e.g.
        # "to a different party") show at once; the first message per field wins.
        candidate, model_errors = field_errors(self.model, {**data, **self.extra}, {f.name for f in self.fields})
        for key, message in model_errors.items():
            errors.setdefault(key, message)
        instance = None
        if candidate is not None:
            if not errors and self.check is not None:
                errors.update(self.check(candidate) or {})
            instance = None if errors else candidate
        for name, (message, refused) in list(self._store_errors.items()):
            if name and self._raw_of(name) != refused:
                del self._store_errors[name]  # the user changed what the store refused
            else:
                errors.setdefault(name, message)
                instance = None
        self.errors = errors
        self.result = instance
        self._show_errors()
        return instance

    def _same(self, f: FormField, value: Any) -> bool:
        start = self.initial[f.name]
        if f.kind == "multi":
            return sorted(value) == sorted(start or ())
        if value is OMIT or value is None:
            return _blank(start) or start is OMIT
        if f.kind == "date" and isinstance(start, str):
            return start == value.isoformat()
        if isinstance(value, str) and start is not None and not isinstance(start, str):
            return value.strip() == str(start)  # e.g. hours typed into a text field: "1.5" is 1.5
        return value == start

    def _show_errors(self) -> None:
        # A line is updated only when its message changes: every update re-lays out the form,
        # and this runs on every keystroke.
        for f in self.fields:
            line = self.query_one(f"#help-{f.name}", Static)
            widget = self.query_one(f"#field-{f.name}")
            error = self.errors.get(f.name)
            visible = error is not None and (self._show_all or f.name in self._touched)
            widget.set_class(error is not None, "-invalid")
            line.set_class(visible, "form-error")
            self._set_line(line, f"✖ {error}" if visible else f.help)
        problem = self.errors.get("", "") if self._show_all or self._touched else ""
        if not problem and self._show_all:
            # A lasting summary (never only a toast): which fields stop the save, in the form's order.
            bad = [f.label for f in self.fields if f.name in self.errors]
            if bad:
                problem = f"not saved: fix {', '.join(bad)}"
        self._set_line(self.query_one("#form-problem", Static), f"✖ {problem}" if problem else "")

    def _set_line(self, line: Static, message: str) -> None:
        if self._lines.get(line.id) != message:
            self._lines[line.id] = message
            line.update(text(message) if message else "")

    def error_for(self, name: str) -> str:
        """The message currently displayed under a field ("" when none)."""
        line = self.query_one(f"#help-{name}", Static)
        return str(line.render()) if line.has_class("form-error") else ""

    # -- events -----------------------------------------------------------------

    def _changed(self, widget: Widget | None) -> None:
        if widget is not None and widget.id and widget.id.startswith("field-"):
            self._touched.add(widget.id.removeprefix("field-"))
        self.validate_now()

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _on_value_changed(self, event: Input.Changed | Select.Changed | Checkbox.Changed) -> None:
        self._changed(event.control)

    @on(TextArea.Changed)
    def _on_text_changed(self, event: TextArea.Changed) -> None:
        self._changed(event.text_area)

    @on(SelectionList.SelectedChanged)
    def _on_selection_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._mark_ticks(event.selection_list)
        self._changed(event.selection_list)

    def _mark_ticks(self, widget: SelectionList) -> None:
        """Prefix each choice with ✔ or ·: the list's own tick differs by colour alone."""
        f = next(f for f in self.fields if f"field-{f.name}" == widget.id)
        chosen = set(widget.selected)
        for index, (label, value) in enumerate(f.choices):
            widget.replace_option_prompt_at_index(index, text(f"{'✔' if value in chosen else '·'} {label}"))

    @on(Input.Submitted)
    def _on_submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-save")
    def _on_save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _on_cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        """Dismiss with the model instance (once written, with `write=`), or stay open and say why not."""
        if self._submit is not None:
            return  # a write is under way
        self._show_all = True
        self._store_errors.pop("", None)  # a form-level refusal is for one attempt
        instance = self.validate_now()
        if instance is None:
            bad = next((f for f in self.fields if f.name in self.errors), None)
            if bad is not None:
                self.query_one(f"#field-{bad.name}").focus()
            return
        submit = self.write(instance) if self.write is not None else None
        if submit is None:
            self.dismiss(instance)
            return
        self._start(submit, submit.change, instance)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)


def _shown(f: FormField, value: Any) -> Any:
    """A stored value as the form shows it: exactly what its text field will hold."""
    if isinstance(value, str) and f.kind in ("text", "multiline"):
        return clean_input(value, single_line=f.kind == "text")
    return value
