"""The lines around every view: the context bar (where am I, can I change things), the
breadcrumbs (how did I get here), and the prompt used by ``:`` commands and ``/`` filters.

The context bar is the safety feature: a production profile paints it red with a banner,
and read-only or writable is always spelled out, so nobody scales the wrong account.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from ecsdev.sources.views import SourceInfo
from ecsdev.tui.routes import Route, command_words


def context_text(info: SourceInfo, refresh: float, paused: bool, loading: bool) -> Text:
    text = Text(" ecsdev ", style="bold")
    if info.production:
        text.append(" PRODUCTION ", style="bold white on red")
        text.append(" ")
    text.append(info.name, style="bold")
    if info.region:
        text.append(f"  {info.region}")
    if info.endpoint_url:
        text.append(f"  {info.endpoint_url}", style="dim")
    text.append("  ")
    if info.writable:
        text.append(" WRITE ", style="bold black on yellow")
    else:
        text.append(" read-only ", style="reverse")
    text.append("  ")
    if refresh <= 0:
        text.append("refresh off", style="dim")
    elif paused:
        text.append(f"refresh {refresh:g}s paused", style="yellow")
    else:
        text.append(f"refresh {refresh:g}s")
    if loading:
        text.append("  loading…", style="italic")
    return text


class ContextBar(Static):
    def show(self, info: SourceInfo, refresh: float, paused: bool, loading: bool) -> None:
        self.set_class(info.production, "-production")
        self.update(context_text(info, refresh, paused, loading))


class Crumbs(Static):
    def show(self, trail: list[Route], note: str = "") -> None:
        text = Text(" ")
        for i, route in enumerate(trail):
            if i:
                text.append(" › ", style="dim")
            text.append(route.label, style="bold" if i == len(trail) - 1 else "")
        if note:
            text.append(f"   {note}", style="dim")
        self.update(text)


PLACEHOLDERS = {
    ":": "command: services, tasks, lb, tg, vpc, td, ctx, region, logs, help, quit",
    "/": "filter: text, regular expression, !inverse, column:value",
    "search": "search: text or regular expression (n / N: next / previous)",
}


class Prompt(Input):
    """``:`` command or ``/`` filter input, docked at the bottom and hidden until used.

    Opening and closing are synchronous and the prompt handles its own keys in order
    (``ecsdev.tui.keys`` hands every key typed after ``:`` or ``/`` to ``feed``, however
    fast it comes): Enter and Escape close it at once, so the keys after Enter go to the
    view the command opened."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    class Done(Message):
        def __init__(self, mode: str, value: str | None) -> None:
            super().__init__()
            self.mode = mode
            self.value = value
            """``None`` when cancelled."""

    def __init__(self) -> None:
        self._commands = SuggestFromList(command_words(), case_sensitive=False)
        super().__init__(id="prompt", suggester=self._commands)
        self.cursor_blink = False
        self.mode = ":"
        self.is_open = False
        self.on_done: Callable[[str, str | None], None] | None = None
        """Called synchronously when the prompt closes (the screen's handler)."""

    def open(self, mode: str, value: str = "") -> None:
        self.mode = mode
        self.placeholder = PLACEHOLDERS.get(mode, "")
        self.suggester = self._commands if mode == ":" else None
        self.value = value
        self.cursor_position = len(value)
        self.display = True
        self.border_title = mode
        self.is_open = True
        if self.is_mounted:
            self.screen.set_focus(self)

    async def feed(self, event: events.Key) -> None:
        """Handle one key now, in the order the app routed it (``ecsdev.tui.keys``)."""
        if event.key == "enter":
            self._close(self.value)
        elif event.key == "escape":
            self._close(None)
        elif event.is_printable:
            assert event.character is not None
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(event.character)
            else:
                self.replace(event.character, *selection)
        else:  # the input's own bindings (backspace, arrows, ctrl+u ...)
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                await self.run_action(binding.action)
                break

    async def _on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if self.is_open:
            await self.feed(event)

    def _close(self, value: str | None) -> None:
        self.is_open = False
        self.display = False
        if self.on_done is not None:
            self.on_done(self.mode, value)
        else:
            self.post_message(self.Done(self.mode, value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.is_open:
            self._close(event.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.mode == "/" and self.is_open:
            if self.on_done is not None:
                self.on_done("/live", event.value)
            else:
                self.post_message(self.Done("/live", event.value))

    def action_cancel(self) -> None:
        if self.is_open:
            self._close(None)
