"""Notice when a stream goes quiet, so a learner is never left waiting without a word.

A stream can stall: the API is slow to start, or the connection hangs mid-reply. The SDK
waits up to its read timeout (600 s by default) before giving up, silently. A watch is
poked for every piece that arrives; when nothing has come for `after` seconds it calls
`on_silence(seconds)` once, and `on_resume()` when data flows again. The front end says it
in its own way (a printed line, a status line in the chat panel).

Two twins share one rule (`_Quiet`): `SilenceWatch` checks from a thread, for loops that
block (a sync stream); `AsyncSilenceWatch` checks with the event loop's timer.

    >>> with SilenceWatch(lambda s: print(f"nothing for {s:.0f} s"), after=0.05) as watch:
    ...     time.sleep(0.3)
    nothing for 0 s
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from .i18n import message

SILENCE_AFTER = 5.0
"""Seconds with nothing arriving before a front end says so."""

SilenceCallback = Callable[[float], None]
"""Receives the seconds since the last piece arrived."""


def read_timeout(source: Any) -> float | None:
    """The read timeout, in seconds, of an SDK client or of a stream it returned.

    >>> read_timeout(anthropic.Anthropic(api_key="x", timeout=30))  # doctest: +SKIP
    30.0
    """
    response = getattr(source, "response", None)
    if response is not None:
        timeout = getattr(response.request, "extensions", {}).get("timeout", {})
        value = timeout.get("read") if isinstance(timeout, dict) else None
    else:
        value = getattr(source, "timeout", None)
        value = getattr(value, "read", value)
    return float(value) if isinstance(value, int | float) else None


def silence_notice(seconds: float, timeout: float | None, front_end: str = "printer") -> str:
    """The line a front end shows: how long it has been quiet, and what the learner can do.

    `front_end` is ``printer``, ``terminal`` or ``panel`` (each stops a reply its own way).

    >>> silence_notice(5.2, 600.0, "panel")  # doctest: +ELLIPSIS
    '⏳ No data for 5 s: ... Stop gives up; or wait: the read timeout is 600 s.'
    """
    how_to_stop = message(f"silence.stop_{front_end}")
    if timeout is None:
        return message("silence.notice_no_timeout", seconds=seconds, stop=how_to_stop)
    return message("silence.notice", seconds=seconds, stop=how_to_stop, timeout=timeout)


class _Quiet:
    """When the last piece came, and whether the silence since then was announced."""

    def __init__(self, after: float, clock: Callable[[], float]) -> None:
        self.after = after
        self.clock = clock
        self.last_at = clock()
        self.announced = False

    def poke(self) -> bool:
        """A piece arrived; True if a silence had been announced (so it is over now)."""
        self.last_at = self.clock()
        was_announced, self.announced = self.announced, False
        return was_announced

    def due(self) -> float | None:
        """The seconds of silence, if they should be announced now; else None."""
        quiet = self.clock() - self.last_at
        if self.announced or quiet < self.after:
            return None
        self.announced = True
        return quiet

    @property
    def check_every(self) -> float:
        return max(self.after / 5, 0.01)


class SilenceWatch:
    """Watch a sync stream from a thread: use it as a context manager, `poke` per piece.

    With `on_silence` None it watches nothing (no thread), so callers need no second path.
    """

    def __init__(
        self,
        on_silence: SilenceCallback | None,
        after: float = SILENCE_AFTER,
        on_resume: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_silence = on_silence
        self.on_resume = on_resume
        self._quiet = _Quiet(after, clock)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="silence-watch")

    def poke(self, *_: object) -> None:
        """Something arrived (any arguments are ignored, so it can be a listener)."""
        if self._quiet.poke() and self.on_resume is not None:
            self.on_resume()

    def __enter__(self) -> SilenceWatch:
        if self.on_silence is not None:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stopped.wait(self._quiet.check_every):
            seconds = self._quiet.due()
            if seconds is not None and self.on_silence is not None:
                self.on_silence(seconds)


class AsyncSilenceWatch:
    """The twin of `SilenceWatch` for a running event loop: ``async with``, `poke` per piece."""

    def __init__(
        self,
        on_silence: SilenceCallback | None,
        after: float = SILENCE_AFTER,
        on_resume: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_silence = on_silence
        self.on_resume = on_resume
        self._quiet = _Quiet(after, clock)
        self._timer: asyncio.TimerHandle | None = None

    def poke(self, *_: object) -> None:
        """Something arrived (any arguments are ignored, so it can be a listener)."""
        if self._quiet.poke() and self.on_resume is not None:
            self.on_resume()

    async def __aenter__(self) -> AsyncSilenceWatch:
        if self.on_silence is not None:
            self._schedule()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._quiet.check_every, self._check)

    def _check(self) -> None:
        seconds = self._quiet.due()
        if seconds is not None and self.on_silence is not None:
            self.on_silence(seconds)
        self._schedule()
