"""The reply a learner gets in replay mode when the course has no recording for a request.

It is a real stream of events, paced like a small model, so the cell keeps running and
shows how streaming looks; its text says plainly that it is a replay, which part of the
request differs from the closest recording (first, so that even ``max_tokens=16`` shows
it), and how to go live.

    >>> fixture = fallback_fixture({"model": "claude-haiku-5-5", "max_tokens": 300,
    ...     "stream": True, "messages": [{"role": "user", "content": "Anything"}]})
    >>> fixture.name
    'replay-fallback'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import message
from .fixture import Fixture
from .library import FixtureLibrary
from .matching import in_words
from .synth import TextBlock, synthesize

FALLBACK_NAME = "replay-fallback"


def fallback_fixture(request: dict[str, Any], library: FixtureLibrary | None = None) -> Fixture:
    """A labelled stand-in reply to `request` (streamed or not, as it asks).

    With the `library` that had no recording, the reply starts by naming what differs from
    the closest one.
    """
    text = message("fallback.reply")
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
    fixture = synthesize(request, [TextBlock(text)], seed=FALLBACK_NAME)
    fixture.path = Path(f"{FALLBACK_NAME}.sse")
    return fixture
