"""Bedrock's two replays: the course's one replay (`streaming_course.replay`) in Bedrock's envelope.

**`AnthropicBedrock`** posts the Messages API body to ``/model/<model id>/invoke`` (or
``…/invoke-with-response-stream``), without ``model`` or ``stream`` and with an
``anthropic_version``. `BedrockReplayTransport` is the course's `ReplayTransport` with two
hooks: `wanted` turns the request back into the Messages API request it stands for (found in
the same `FixtureLibrary`), and `wire` sends each recorded event in a ``chunk`` frame at its
recorded second. Bedrock adds ``amazon-bedrock-invocationMetrics`` to the last event, and so
does the replay.

    >>> transport = BedrockReplayTransport(FixtureLibrary.from_dirs(folders))  # doctest: +SKIP
    >>> client = anthropic.AnthropicBedrock(aws_region="us-east-1", aws_access_key="replay",
    ...     aws_secret_key="replay", http_client=httpx2.Client(transport=transport))
    ... # doctest: +SKIP

**boto3's** ``converse_stream`` cannot be stubbed by botocore's `Stubber` (an event stream),
so `ConverseReplay` steps in one level lower: a ``before-send`` handler answers the signed
request instead of the network, from a Converse `FixtureLibrary`, by the same ladder
(`find_or_fallback`). Its body yields frames at their recorded seconds (a `PacedBody`), and
botocore's own `EventStream` reads them — the same parser, the same `EventStreamError`.

    >>> library = FixtureLibrary.from_dirs(folders, CONVERSE)               # doctest: +SKIP
    >>> ConverseReplay(library).register(client)                           # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from urllib3.exceptions import ProtocolError

from ..i18n import message
from ..replay.fallback import Fallback, fallback_fixture, find_or_fallback
from ..replay.fixture import MESSAGES_ENDPOINT, Fixture
from ..replay.library import FixtureLibrary
from ..replay.transport import REPLAY_HEADER, PacedBody, ReplayTransport, sleep_until
from .converse import converse_frames, converse_reply
from .eventstream import EVENT_STREAM_TYPE, bedrock_exception, chunk_frame, exception_frame

METRICS_FIELD = "amazon-bedrock-invocationMetrics"
INVOKE_PATH = re.compile(r"/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)")
CONVERSE_PATH = re.compile(r"/model/(?P<model>[^/]+)/converse-stream")


# --- AnthropicBedrock -------------------------------------------------------------------------


class BedrockReplayTransport(ReplayTransport):
    """Serve `AnthropicBedrock` requests from a `FixtureLibrary`, sync or async."""

    event_stream_type = EVENT_STREAM_TYPE

    def wanted(self, request: httpx2.Request) -> tuple[bytes, str]:
        """The Messages API body this request stands for; it asks for a message."""
        return messages_api_body(request), MESSAGES_ENDPOINT

    def wire(self, fixture: Fixture) -> list[bytes]:
        """A frame per recorded event (`bedrock_frames`)."""
        return bedrock_frames(fixture)


def messages_api_body(request: httpx2.Request) -> bytes:
    """The body the Messages API would get for this Bedrock request (model, stream from the URL).

    >>> request = httpx2.Request("POST", "https://bedrock-runtime.us-east-1.amazonaws.com"
    ...     "/model/anthropic.claude-haiku-5-5-v1:0/invoke-with-response-stream",
    ...     json={"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "messages": []})
    >>> json.loads(messages_api_body(request))["model"]
    'anthropic.claude-haiku-5-5-v1:0'
    """
    body = json.loads(request.content or b"{}")
    body.pop("anthropic_version", None)
    path = INVOKE_PATH.fullmatch(request.url.path)
    if path is not None:
        body["model"] = unquote(path["model"])
        if path["action"] == "invoke-with-response-stream":
            body["stream"] = True
    return json.dumps(body).encode()


def bedrock_frames(fixture: Fixture) -> list[bytes]:
    """One frame per recorded event: a ``chunk``, or an exception for an `event: error`."""
    frames = []
    for event in fixture.events:
        data = event.data
        if event.type == "error":
            error = data["error"]
            frames.append(exception_frame(bedrock_exception(error["type"]), error["message"]))
            continue
        if event.type == "message_stop":
            data = {**data, METRICS_FIELD: invocation_metrics(fixture)}
        frames.append(chunk_frame(data))
    return frames


def invocation_metrics(fixture: Fixture) -> dict[str, int]:
    """What Bedrock reports on the last event: the token counts and its latencies in ms.

    >>> invocation_metrics(fixture)                                  # doctest: +SKIP
    {'inputTokenCount': 25, 'outputTokenCount': 31, 'invocationLatency': 812,
     'firstByteLatency': 466}
    """
    usage: dict[str, Any] = {}
    for event in fixture.events:
        if event.type == "message_start":
            usage.update(event.data["message"]["usage"])
        elif event.type == "message_delta":
            usage.update(event.data.get("usage") or {})
    return {
        "inputTokenCount": int(usage.get("input_tokens", 0)),
        "outputTokenCount": int(usage.get("output_tokens", 0)),
        "invocationLatency": round(fixture.duration * 1000),
        "firstByteLatency": round(fixture.events[0].at * 1000) if fixture.events else 0,
    }


def bedrock_fallback(request: dict[str, Any]) -> Fixture:
    """The labelled stand-in for an `AnthropicBedrock` request (a Messages API request)."""
    return fallback_fixture(request, reply="bedrock.fallback_reply")


# --- converse_stream --------------------------------------------------------------------------


@dataclass
class ConverseReplay:
    """A botocore ``before-send`` handler answering ``converse_stream`` from a `FixtureLibrary`.

    Unmatched requests get `fallback`'s reply, or (strict, or no fallback) a
    ``ResourceNotFoundException`` whose message names the closest recordings.
    """

    library: FixtureLibrary
    speed: float = 1.0
    strict: bool = False
    fallback: Fallback | None = None

    def register(self, client: Any) -> None:
        """Answer every request of this boto3 ``bedrock-runtime`` client from now on."""
        client.meta.events.register("before-send.bedrock-runtime", self)

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        started = time.monotonic()
        path = CONVERSE_PATH.fullmatch(unquote(urlsplit(request.url).path))
        if path is None:
            return not_found(request, message("bedrock.not_replayed"))
        converse_request = {"modelId": path["model"], **json.loads(request.body or b"{}")}
        found = find_or_fallback(
            self.library, converse_request, strict=self.strict, fallback=self.fallback
        )
        if isinstance(found, str):
            return not_found(request, found)
        body = ConverseBody(found, started, self.speed)
        sleep_until(body.deadline(body.first_byte_at))
        headers = {"content-type": EVENT_STREAM_TYPE, REPLAY_HEADER: found.name}
        return AWSResponse(request.url, 200, headers, body)


class ConverseBody(PacedBody):
    """The raw body botocore reads an event stream from: ``.stream()`` yields the frames."""

    def __init__(self, fixture: Fixture, started: float, speed: float) -> None:
        super().__init__(fixture, started, speed, wire=converse_frames(fixture))

    def stream(self, **_: Any) -> Iterator[bytes]:
        """The frames at their recorded seconds; a recorded disconnect breaks the read."""
        try:
            yield from self
        except httpx2.RemoteProtocolError as error:
            raise ProtocolError(f"Connection broken: {error}") from None


def converse_fallback(request: dict[str, Any]) -> Fixture:
    """The labelled stand-in for a ``converse_stream`` request.

    >>> converse_fallback({"modelId": "anthropic.claude-haiku-5-5-v1:0",
    ...     "messages": [{"role": "user", "content": [{"text": "Anything"}]}]}).name
    'replay-fallback'
    """
    return fallback_fixture(request, reply="bedrock.fallback_reply", write=converse_reply)


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
