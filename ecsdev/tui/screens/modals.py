"""Dialogs: confirm a change (showing the exact API call), ask for a number, show the keys,
show long text in full.

A change to a live account is confirmed against the literal call it will make (and the
same call as an ``aws`` command line), not a paraphrase, so what the user approves is what
runs. Confirming needs an explicit ``y`` or the button; Escape and ``n`` cancel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ecsdev.sources.base import ApiCall

if TYPE_CHECKING:
    from textual.screen import Screen


class ConfirmModal(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes"),
        Binding("n,escape", "cancel", "No"),
    ]

    def __init__(self, title: str, call: ApiCall, production: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.call = call
        self.production = production

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-production" if self.production else ""):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Label("This calls:")
            yield Static(Text(str(self.call), style="bold"), id="api-call")
            if self.call.cli:
                yield Label("Same as:")
                yield Static(Text(self.call.cli), id="api-cli")
            with Horizontal(id="dialog-buttons"):
                yield Button("Yes, call it (y)", variant="error", id="yes")
                yield Button("Cancel (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class NumberModal(ModalScreen[int | None]):
    """Ask for a whole number (the desired count when scaling)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: int) -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Input(str(self.value), type="integer", id="number")
            yield Label("Enter to continue, Escape to cancel", classes="dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = int(event.value)
        except ValueError:
            self.notify("Enter a whole number", severity="warning")
            return
        if value < 0:
            self.notify("The count cannot be negative", severity="warning")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


COMMON_ACTIONS = {
    "command",
    "help",
    "back",
    "forward",
    "escape",
    "reload",
    "pause",
    "filter",
    "sort",
    "reverse",
    "app.focus_next",
    "app.focus_previous",
    "screen.copy_text",
}


class DetailModal(ModalScreen[None]):
    """Long text in full, wrapped: an event, a deployment's reason, a stop reason, a log line."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, title: str, body: Text | str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Label(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(self.body, id="detail-text")
            yield Label(Text("Escape or Enter to close", style="dim"))

    def text(self) -> str:
        return self.body.plain if isinstance(self.body, Text) else self.body

    def action_close(self) -> None:
        self.dismiss(None)


class HelpModal(ModalScreen[None]):
    """The keys of the view underneath, then the keys everywhere."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column(style="bold cyan", no_wrap=True, width=12)
        table.add_column()
        for key, description in self.entries():
            table.add_row(key, description)
        with VerticalScroll(id="dialog"):
            yield Label(Text("Keys", style="bold"), id="dialog-title")
            yield Static(table)

    def entries(self) -> list[tuple[str, str]]:
        """This view's own keys first, then the keys every view has."""
        own: list[tuple[str, str]] = []
        common: list[tuple[str, str]] = []
        seen: set[str] = set()
        for active in self.under.active_bindings.values():
            binding = active.binding
            if active.node is not self.under or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            entry = (binding.key_display or self.app.get_key_display(binding), binding.description)
            (common if binding.action in COMMON_ACTIONS else own).append(entry)
        return [
            *own,
            ("", ""),
            *common,
            ("↑↓ j k g G", "Move; pgup / pgdn by page; click a row to open it"),
            ("enter", "Open the selected row (events, reasons: the full text)"),
            ("ctrl+z", "Faults only: failing services, tasks, deployments, targets"),
            ("F1…F9", "Sort by that column (again: reverse); o / O cycle and reverse"),
            ("ctrl+p", "Command palette: every view and action"),
            (": cmd", "services, tasks, lb, tg, vpc, td, ctx, region, logs, help, quit"),
            ("/ text", "Filter: text, regular expression, !inverse, column:value"),
        ]

    def action_close(self) -> None:
        self.dismiss(None)

    def on_click(self) -> None:
        self.dismiss(None)
