"""What the replay serves for a request: its recording, else a labelled stand-in, else a miss.

`find_or_fallback` is that ladder, for every replay (the Messages API's, `AnthropicBedrock`'s
and Converse's). The stand-in a learner gets in replay mode when the course has no recording
is a real stream of events, paced like a small model, so the cell keeps running and shows how
streaming looks; its text says plainly that it is a replay, which part of the request differs
from the closest recording (first, so that even ``max_tokens=16`` shows it), and how to go live.

    >>> fixture = fallback_fixture({"model": "claude-haiku-5-5", "max_tokens": 300,
    ...     "stream": True, "messages": [{"role": "user", "content": "Anything"}]})
    >>> fixture.name
    'replay-fallback'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..i18n import message
from .fixture import Fixture
from .library import FixtureLibrary, ReplayMiss
from .matching import in_words
from .synth import TextBlock, synthesize

FALLBACK_NAME = "replay-fallback"

Fallback = Callable[[dict[str, Any]], "Fixture | None"]
"""Builds the labelled reply for a request no fixture matches."""

Writer = Callable[[dict[str, Any], str, str], Fixture]
"""Writes a reply text as the stream that answers a request: (request, text, seed) → fixture."""


def find_or_fallback(
    library: FixtureLibrary,
    request: dict[str, Any],
    *,
    strict: bool = False,
    fallback: Fallback | None = None,
    usable: Callable[[Fixture], bool] = lambda fixture: True,
) -> Fixture | str:
    """The recording to serve, else `fallback`'s reply, else one line saying why there is none.

    Strict replay never falls back: its miss names the closest recordings. A recording that
    is not `usable` (another endpoint's answer to the same body) counts as none.

        >>> find_or_fallback(FixtureLibrary([]), {"messages": []}, strict=True)[:30]
        'No replay fixture matches this'
    """
    try:
        fixture = library.find(request, strict=strict)
    except ReplayMiss as miss:
        return str(miss)
    if fixture is not None and not usable(fixture):
        fixture = None
    if fixture is None and fallback is not None:
        fixture = fallback(request)
    return fixture or library.describe_miss(request)


def messages_reply(request: dict[str, Any], text: str, seed: str) -> Fixture:
    """A Messages API reply of `text` to `request` (streamed or not, as it asks)."""
    return synthesize(request, [TextBlock(text)], seed=seed)


def fallback_fixture(
    request: dict[str, Any],
    library: FixtureLibrary | None = None,
    *,
    reply: str = "fallback.reply",
    write: Writer = messages_reply,
) -> Fixture:
    """A labelled stand-in reply to `request`: the catalog's `reply` text, written by `write`.

    With the `library` that had no recording, the reply starts by naming what differs from
    the closest one. Bedrock's replays pass their own `reply` (and Converse its `write`).
    """
    text = message(reply)
    if library is not None:
        closest = library.closest(request)
        if closest is None:
            first = message("fallback.no_recording")
        else:
            fixture, fields = closest
            also = message("fallback.also", fields=in_words(fields[1:])) if fields[1:] else ""
            main = in_words(fields[:1])
            first = message("fallback.differs", field=main, also=also, name=fixture.name)
        text = f"{first}\n\n{text}"
    fixture = write(request, text, FALLBACK_NAME)
    fixture.path = Path(f"{FALLBACK_NAME}.sse")  # not a file: the name the replay header shows
    return fixture
