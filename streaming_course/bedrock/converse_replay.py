"""Replay for boto3's ``converse_stream``: recorded events, framed and paced, under botocore.

botocore's `Stubber` cannot stub an event stream, so the replay steps in one level lower:
a ``before-send`` handler answers the signed request instead of the network. Its response
body yields event-stream frames at their recorded seconds, and botocore's own `EventStream`
reads them — the same parser, the same `EventStreamError` on an exception frame.

    >>> client = boto3.client("bedrock-runtime", region_name="us-east-1")  # doctest: +SKIP
    >>> ConverseReplay(ConverseLibrary.from_dirs(folders)).register(client)  # doctest: +SKIP
    >>> response = client.converse_stream(modelId=MODEL, messages=[...])    # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from urllib3.exceptions import ProtocolError

from ..i18n import message
from ..replay.fixture import Fixture
from ..replay.library import ReplayMiss
from ..replay.transport import REPLAY_HEADER, sleep_until
from .converse_fixture import ConverseLibrary, is_exception
from .eventstream import event_frame, exception_frame
from .framed import FramedBody
from .invoke_replay import EVENT_STREAM_TYPE

CONVERSE_PATH = re.compile(r"/model/(?P<model>[^/]+)/converse-stream")


class ConverseReplay:
    """A botocore ``before-send`` handler answering ``converse_stream`` from a `ConverseLibrary`.

    Unmatched requests get `fallback`'s reply, or (strict, or no fallback) a
    ``ResourceNotFoundException`` whose message names the closest recordings.
    """

    def __init__(
        self,
        library: ConverseLibrary,
        speed: float = 1.0,
        strict: bool = False,
        fallback: Callable[[dict[str, Any]], Fixture] | None = None,
    ) -> None:
        self.library = library
        self.speed = speed
        self.strict = strict
        self.fallback = fallback

    def register(self, client: Any) -> None:
        """Answer every request of this boto3 ``bedrock-runtime`` client from now on."""
        client.meta.events.register("before-send.bedrock-runtime", self)

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        started = time.monotonic()
        path = CONVERSE_PATH.fullmatch(unquote(urlsplit(request.url).path))
        if path is None:
            return not_found(request, message("bedrock.not_replayed"))
        converse_request = {"modelId": path["model"], **json.loads(request.body or b"{}")}
        try:
            fixture = self.library.find(converse_request, strict=self.strict)
        except ReplayMiss as miss:
            return not_found(request, str(miss))
        if fixture is None and self.fallback is not None:
            fixture = self.fallback(converse_request)
        if fixture is None:
            return not_found(request, self.library.describe_miss(converse_request))
        body = ConverseBody(fixture, started, self.speed)
        sleep_until(body.deadline(body.first_byte_at))
        headers = {"content-type": EVENT_STREAM_TYPE, REPLAY_HEADER: fixture.name}
        return AWSResponse(request.url, 200, headers, body)


class ConverseBody(FramedBody):
    """The raw body botocore reads an event stream from: ``.stream()`` yields the frames."""

    def __init__(self, fixture: Fixture, started: float, speed: float) -> None:
        super().__init__(fixture, started, speed, converse_frames(fixture))

    def stream(self, **_: Any) -> Iterator[bytes]:
        """The frames at their recorded seconds; a recorded disconnect breaks the read."""
        try:
            yield from self
        except httpx2.RemoteProtocolError as error:
            raise ProtocolError(f"Connection broken: {error}") from None


def converse_frames(fixture: Fixture) -> list[bytes]:
    """One frame per recorded Converse event: an event, or an exception that ends the stream."""
    return [
        exception_frame(event.type, event.data["message"])
        if is_exception(event)
        else event_frame(event.type, event.data)
        for event in fixture.events
    ]


def not_found(request: AWSPreparedRequest, text: str) -> AWSResponse:
    """A 404 botocore raises as ``ResourceNotFoundException`` carrying `text`."""
    headers = {"content-type": "application/json", "x-amzn-errortype": "ResourceNotFoundException"}
    return AWSResponse(request.url, 404, headers, _WholeBody(json.dumps({"message": text})))


class _WholeBody:
    """A raw body that arrives in one piece."""

    def __init__(self, text: str) -> None:
        self.content = text.encode()

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.content
