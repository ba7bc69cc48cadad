"""Key routing: every key typed after ``:`` or ``/`` belongs to the prompt, however fast it
comes, and keys typed after Enter belong to the view the command opened.

Textual hands a key to the focused widget's queue and runs a binding only once the key has
bubbled up to the app, so in a burst (a paste, a fast typist, a lagging UI) the letters after
``:`` reached the table as hotkeys before the prompt had opened, and a key after Enter was
typed into the command. Here the app takes every key first, in order: keys that open a
prompt open it at once (synchronously, focus included); while a prompt is open, keys are
handed to it directly, so Enter closes it before the next key is looked at; keys that
arrive while a view is being built wait in a backlog and are replayed, in order, once it
is ready. Everything
else takes Textual's ordinary path.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.app import App

if TYPE_CHECKING:
    from ecsdev.tui.screens.base import BaseScreen


class KeyRouter(App[None]):
    """The app's half of key routing (the screen's half: ``BaseScreen.PROMPT_KEYS`` and
    ``ready``; the prompt's: ``Prompt.feed``)."""

    def __init__(self) -> None:
        super().__init__()
        self._backlog: deque[events.Key] = deque()
        self._pumping = False

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._backlog.append(event)
            await self.pump_keys()
            return
        await super().on_event(event)

    def _base_screen(self) -> BaseScreen | None:
        from ecsdev.tui.screens.base import BaseScreen

        screen = self.screen
        return screen if isinstance(screen, BaseScreen) else None

    async def pump_keys(self) -> None:
        """Route waiting keys until none is left or the view is not ready for the next."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while self._backlog:
                screen = self._base_screen()
                if screen is None:
                    await super().on_event(self._backlog.popleft())
                    continue
                if not screen.ready:
                    return  # the screen pumps again when it is ready
                prompt = screen.prompt
                event = self._backlog.popleft()
                if prompt.is_open:
                    await prompt.feed(event)
                    continue
                if screen.open_prompt_for(event.key):
                    continue
                await super().on_event(event)
        finally:
            self._pumping = False
