"""Lesson 12's exercises: Converse's pieces counted, a Converse reply that always ends, two TTFTs.

The judges make their own Bedrock replay clients (boto3's ``bedrock-runtime`` and
`AnthropicBedrock`, with made-up credentials, never leaving the process) and compare what the
learner's function returns with the course's own reading of the same replayed stream.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

from botocore.exceptions import EventStreamError

from ..bedrock import load_bedrock_settings, make_bedrock_client, make_converse_client
from .core import Wrong

TIMING_SPEED = 2.0  # the bread reply's first piece some tenths of a second in: measurable


def judge_settings(speed: float | None = None) -> Any:
    """The learner's Bedrock settings, in replay mode (at `speed` when given)."""
    settings = load_bedrock_settings()
    course = settings.course if speed is None else replace(settings.course, replay_speed=speed)
    return replace(settings, mode="replay", course=course)


def converse_request(text: str, max_tokens: int) -> dict[str, Any]:
    """A Converse request of one user message (the notebook's TIDES and HOUSEPLANTS)."""
    return dict(
        modelId=load_bedrock_settings().model,
        messages=[{"role": "user", "content": [{"text": text}]}],
        inferenceConfig={"maxTokens": max_tokens},
    )


def tides() -> dict[str, Any]:
    return converse_request(
        "Why are there usually two high tides a day? Answer in two sentences.", 300
    )


def houseplants() -> dict[str, Any]:
    return converse_request("List four tips for keeping houseplants alive through the winter.", 400)


BREAD = [{"role": "user", "content": "In three short sentences, explain why bread dough rises."}]


def read_converse(request: dict[str, Any]) -> tuple[list[str], int, str | None]:
    """The course's reading: (text pieces, events seen, stop reason or error code)."""
    runtime = make_converse_client(judge_settings(speed=0), banner=False)
    pieces, events, ending = [], 0, None
    try:
        for event in runtime.converse_stream(**request)["stream"]:
            events += 1
            if "contentBlockDelta" in event:
                pieces.append(event["contentBlockDelta"]["delta"].get("text", ""))
            elif "messageStop" in event:
                ending = event["messageStop"]["stopReason"]
    except EventStreamError as error:
        ending = error.response["Error"]["Code"]
    return pieces, events, ending


def judge_count_pieces(count_pieces: Any) -> None:
    """(pieces of text, average characters per piece) for TIDES' Converse stream."""
    pieces, events, _ = read_converse(tides())
    runtime = make_converse_client(judge_settings(speed=0), banner=False)
    got = count_pieces(runtime, tides())
    if got is None:
        raise Wrong("returned_nothing")
    count, average = got
    if count != len(pieces):
        if count == events:
            raise Wrong("counted_every_event", got=count, expected=len(pieces))
        raise Wrong("count", got=count, expected=len(pieces))
    expected = sum(map(len, pieces)) / len(pieces)
    if not _near(average, expected, 0.05):
        raise Wrong("average", got=average, expected=expected)


def judge_converse_reply(converse_reply: Any) -> None:
    """TIDES ends with its stop reason; HOUSEPLANTS with its error code, the partial text kept."""
    runtime = make_converse_client(judge_settings(speed=0), banner=False)
    for name, request in (("TIDES", tides()), ("HOUSEPLANTS", houseplants())):
        pieces, _, ending = read_converse(request)
        try:
            got = converse_reply(runtime, request)
        except EventStreamError as error:
            raise Wrong("raised", name=name) from error
        if got is None:
            raise Wrong("returned_nothing")
        text, got_ending = got
        if got_ending != ending:
            raise Wrong("ending", name=name, got=got_ending, expected=ending)
        if " ".join(str(text).split()) != " ".join("".join(pieces).split()):
            raise Wrong("text", name=name, got=len(str(text)), expected=len("".join(pieces)))


def judge_first_byte(first_byte: Any) -> None:
    """(seconds to the first content_block_delta, measured here; Bedrock's firstByteLatency)."""
    _measure(
        make_bedrock_client(judge_settings(speed=0), banner=False)
    )  # warm up: no first-call cost
    reference, latency = _measure(make_bedrock_client(judge_settings(TIMING_SPEED), banner=False))
    client = make_bedrock_client(judge_settings(TIMING_SPEED), banner=False, max_retries=0)
    got = first_byte(client, BREAD)
    if got is None:
        raise Wrong("returned_nothing")
    measured, metric = got
    if not _near(metric, latency, 1e-9):
        raise Wrong("metric", got=metric, expected=latency)
    if not isinstance(measured, int | float) or measured <= 0:
        raise Wrong("not_measured", got=measured)
    if measured > 100 * reference:
        raise Wrong("milliseconds", got=measured)
    if measured < reference / 2:
        raise Wrong("clock_started_late", got=measured, expected=reference)
    if measured > reference * 1.5 + 0.1:
        raise Wrong("too_late", got=measured, expected=reference)


def _measure(client: Any) -> tuple[float, Any]:
    model = load_bedrock_settings().model
    started, first = time.perf_counter(), None
    for event in client.messages.create(model=model, max_tokens=300, messages=BREAD, stream=True):
        if event.type == "content_block_delta" and first is None:
            first = time.perf_counter() - started
    metrics = event.model_extra["amazon-bedrock-invocationMetrics"]
    return first or 0.0, metrics["firstByteLatency"]


def _near(got: Any, expected: float, tolerance: float) -> bool:
    try:
        return math.isclose(float(got), float(expected), abs_tol=tolerance)
    except (TypeError, ValueError):
        return False


EXERCISES = [
    ("count_pieces", judge_count_pieces),
    ("converse_reply", judge_converse_reply),
    ("first_byte", judge_first_byte),
]
