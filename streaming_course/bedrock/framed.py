"""A paced response body whose events leave as AWS event-stream frames.

The replay's `PacedBody` releases each recorded event at its recorded second. Bedrock's
replies are the same events in another envelope, so this body keeps the pacing and only
swaps each event's bytes for its frame:

    >>> body = FramedBody(fixture, started=time.monotonic(), speed=1.0,
    ...                   frames=[chunk_frame(event.data) for event in fixture.events])
    ... # doctest: +SKIP
"""

from __future__ import annotations

from ..replay.fixture import Fixture
from ..replay.transport import PacedBody


class FramedBody(PacedBody):
    """A `PacedBody` sending `frames[i]` at the time of the fixture's event `i`."""

    def __init__(self, fixture: Fixture, started: float, speed: float, frames: list[bytes]) -> None:
        super().__init__(fixture, started, speed)
        self.chunks = [
            (event.at, frame) for event, frame in zip(fixture.events, frames, strict=True)
        ]
