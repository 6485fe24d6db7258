"""Replay for `anthropic.AnthropicBedrock`: the course's recordings, sent the way Bedrock sends.

`AnthropicBedrock` posts the Messages API body to ``/model/<model id>/invoke`` (or
``…/invoke-with-response-stream``), without ``model`` or ``stream`` and with an
``anthropic_version``. This transport turns the request back into the Messages API
request it stands for, finds its recording in the same `FixtureLibrary` as the main
replay, and sends each recorded event in a ``chunk`` frame at its recorded second:
the event's JSON, base64-encoded in the frame's ``bytes`` field. Bedrock adds
``amazon-bedrock-invocationMetrics`` to the last event, and so does the replay.

    >>> transport = BedrockReplayTransport(FixtureLibrary.from_dirs(folders))  # doctest: +SKIP
    >>> client = anthropic.AnthropicBedrock(aws_region="us-east-1", aws_access_key="replay",
    ...     aws_secret_key="replay", http_client=httpx2.Client(transport=transport))
    ... # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import unquote

import httpx2

from ..replay.fixture import Fixture
from ..replay.transport import (
    REPLAY_HEADER,
    PacedBody,
    ReplayTransport,
    async_sleep_until,
    sleep_until,
)
from .eventstream import chunk_frame, exception_frame
from .framed import FramedBody

EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"
METRICS_FIELD = "amazon-bedrock-invocationMetrics"
INVOKE_PATH = re.compile(r"/model/(?P<model>[^/]+)/(?P<action>invoke|invoke-with-response-stream)")

# The Bedrock exception that carries each kind of mid-stream `event: error`.
EXCEPTION_FOR_ERROR = {
    "overloaded_error": "modelStreamErrorException",
    "rate_limit_error": "throttlingException",
    "api_error": "internalServerException",
}


class BedrockReplayTransport(ReplayTransport):
    """Serve `AnthropicBedrock` requests from a `FixtureLibrary`, sync or async."""

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        request.read()
        fixture = self._fixture_for(messages_api_body(request))
        body = _body(fixture, started, self.speed)
        sleep_until(body.deadline(body.first_byte_at))
        return self._response(fixture, body, request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        started = time.monotonic()
        await request.aread()
        fixture = self._fixture_for(messages_api_body(request))
        body = _body(fixture, started, self.speed)
        await async_sleep_until(body.deadline(body.first_byte_at))
        return self._response(fixture, body, request)

    @staticmethod
    def _response(fixture: Fixture, body: PacedBody, request: httpx2.Request) -> httpx2.Response:
        content_type = EVENT_STREAM_TYPE if fixture.body_kind == "sse" else "application/json"
        headers = {"content-type": content_type, **fixture.headers, REPLAY_HEADER: fixture.name}
        return httpx2.Response(fixture.status, headers=headers, stream=body, request=request)


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


def bedrock_exception(error_type: str) -> str:
    """The Bedrock exception that stands for an API error type (a Bedrock name passes through).

    >>> bedrock_exception("overloaded_error"), bedrock_exception("throttlingException")
    ('modelStreamErrorException', 'throttlingException')
    """
    if error_type.endswith("Exception"):
        return error_type
    return EXCEPTION_FOR_ERROR.get(error_type, "modelStreamErrorException")


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


def _body(fixture: Fixture, started: float, speed: float) -> PacedBody:
    if fixture.body_kind == "sse":
        return FramedBody(fixture, started, speed, bedrock_frames(fixture))
    return PacedBody(fixture, started, speed)
