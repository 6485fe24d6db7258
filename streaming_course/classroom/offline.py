"""The gateway's answer when the API cannot be reached: the course's replay, labelled.

A request the course has a recording for gets that recording, at the instructor's replay
speed; any other gets a short synthesized reply that says it is a replay. Either way the
response carries the replay header (``x-streaming-course-replay``) naming what was served.

    >>> offline = OfflineAnswers.from_settings()                   # doctest: +SKIP
    >>> response = await offline.send("/v1/messages", body)        # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2

from ..config import Settings, load_settings
from ..i18n import message
from ..replay.fixture import Fixture
from ..replay.library import FixtureLibrary
from ..replay.synth import TextBlock, count_input_tokens, synthesize
from ..replay.transport import REPLAY_HEADER, ReplayTransport

OFFLINE_NAME = "classroom-offline"
COUNT_ESTIMATE = "classroom-count-estimate"


def offline_fixture(request: dict[str, Any]) -> Fixture:
    """A synthesized reply saying the API is out of reach and this is a replay."""
    reply = [TextBlock(message("classroom.offline_reply"))]
    fixture = synthesize(request, reply, seed=OFFLINE_NAME)
    fixture.path = Path(f"{OFFLINE_NAME}.sse")  # the name the replay header shows
    return fixture


class OfflineAnswers:
    """Answers relayed requests from recordings, through the course's replay transport."""

    def __init__(self, library: FixtureLibrary, speed: float = 1.0) -> None:
        transport = ReplayTransport(library, speed=speed, fallback=offline_fixture)
        self.client = httpx2.AsyncClient(transport=transport, base_url="http://replay")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> OfflineAnswers:
        """Load the recordings the course would replay (the instructor's fixture folders)."""
        settings = settings or load_settings()
        return cls(FixtureLibrary.from_dirs(settings.fixture_dirs), settings.replay_speed)

    async def send(self, path: str, body: bytes) -> httpx2.Response:
        """A streamed response for the request, from the recordings (or counted, for counts)."""
        if path.endswith("/count_tokens"):
            count = {"input_tokens": count_input_tokens(json.loads(body))}
            return httpx2.Response(
                200,
                headers={"content-type": "application/json", REPLAY_HEADER: COUNT_ESTIMATE},
                stream=httpx2.ByteStream(json.dumps(count).encode()),
            )
        request = self.client.build_request("POST", path, content=body)
        return await self.client.send(request, stream=True)

    async def aclose(self) -> None:
        """Close the replay client."""
        await self.client.aclose()
