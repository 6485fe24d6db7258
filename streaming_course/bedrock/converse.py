"""The Converse shape: its fixtures, how they match a request, and how they are written.

A Converse fixture (``*.converse``) is read by the same parser as the Messages fixtures
(`replay/fixture.py`) and served by the same `FixtureLibrary` (``kind=CONVERSE``). Its
request is the arguments of ``converse_stream``, ``modelId`` included. Each event is a
record whose name and JSON payload are those of the event-stream frame that carries it
(``:event-type`` or ``:exception-type``), with the second it arrived at in a comment::

    : streaming-course fixture v1
    : status: 200
    : body: sse
    : request:
    :   {
    :     "inferenceConfig": {"maxTokens": 200},
    :     "messages": [{"content": [{"text": "Why do tides happen?"}], "role": "user"}],
    :     "modelId": "anthropic.claude-haiku-5-5-v1:0"
    :   }

    : t=0.460
    event: messageStart
    data: {"role":"assistant"}

boto3 yields that record as ``{"messageStart": {"role": "assistant"}}``. A record named
``…Exception`` (``throttlingException``…) ends the stream with an error.

A Converse stream says what a Messages API stream says, in other events. So a Converse
fixture is written by synthesizing the Messages stream (`replay/synth.py`: same tokens,
same timing model, same faults) and translating each event at its own second:

=========================================  ==============================================
Messages API event                         Converse event
=========================================  ==============================================
``message_start``                          ``messageStart`` {role}
``content_block_start`` (tool use)         ``contentBlockStart`` {start: {toolUse}}
``content_block_start`` (text), ``ping``   (nothing)
``content_block_delta``                    ``contentBlockDelta`` {delta: {text} …}
``content_block_stop``                     ``contentBlockStop``
``message_delta``                          ``messageStop`` {stopReason}
``message_stop``                           ``metadata`` {usage, metrics: {latencyMs}}
``error``                                  an exception (``modelStreamErrorException``…)
=========================================  ==============================================

    >>> request = {"modelId": "anthropic.claude-haiku-5-5-v1:0",
    ...            "messages": [{"role": "user", "content": [{"text": "Say hi"}]}],
    ...            "inferenceConfig": {"maxTokens": 64}}
    >>> fixture = synthesize_converse(request, "Hi there!")
    >>> [event.type for event in fixture.events][:2]
    ['messageStart', 'contentBlockDelta']
"""

from __future__ import annotations

import json
from typing import Any

from ..replay.fixture import Fixture, TimedEvent
from ..replay.matching import FixtureKind, differing_fields
from ..replay.synth import Fault, TextBlock, synthesize
from .eventstream import bedrock_exception, event_frame, exception_frame

CONVERSE_SUFFIX = ".converse"


def converse_key(request: dict[str, Any]) -> str:
    """What decides a Converse reply: every argument but the model.

    >>> converse_key({"modelId": "m", "messages": []})
    '{"messages": []}'
    """
    fields = {name: value for name, value in request.items() if name != "modelId"}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


def as_messages_request(request: dict[str, Any]) -> dict[str, Any]:
    """The Messages API request a ``converse_stream`` call stands for (streamed).

    >>> as_messages_request({"modelId": "m", "inferenceConfig": {"maxTokens": 9}})["max_tokens"]
    9
    """
    return {
        "model": request.get("modelId", ""),
        "max_tokens": int(request.get("inferenceConfig", {}).get("maxTokens", 1024)),
        "messages": request.get("messages", []),
        "stream": True,
        **({"system": request["system"]} if "system" in request else {}),
    }


def converse_differing(wanted: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    """The parts in which two Converse requests differ, named as for the Messages API."""
    return differing_fields(as_messages_request(wanted), as_messages_request(recorded))


CONVERSE = FixtureKind(
    suffixes=(CONVERSE_SUFFIX,),
    key=converse_key,
    model_field="modelId",
    differing=converse_differing,
    miss="bedrock_replay.converse_miss",
)
"""The Converse recordings, for ``FixtureLibrary.from_dirs(folders, CONVERSE)``."""


def converse_event(at: float, name: str, payload: dict[str, Any]) -> TimedEvent:
    """The record of one Converse event, e.g. ``contentBlockStop`` at 0.9 s.

    >>> converse_event(0.9, "contentBlockStop", {"contentBlockIndex": 0}).type
    'contentBlockStop'
    """
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return TimedEvent(at=at, wire=f"event: {name}\ndata: {data}\n")


def is_exception(event: TimedEvent) -> bool:
    """True for the records that stand for an exception frame (``throttlingException``…)."""
    return event.type.endswith("Exception")


def converse_frames(fixture: Fixture) -> list[bytes]:
    """One frame per recorded Converse event: an event, or an exception that ends the stream."""
    return [
        exception_frame(event.type, event.data["message"])
        if is_exception(event)
        else event_frame(event.type, event.data)
        for event in fixture.events
    ]


def synthesize_converse(
    request: dict[str, Any], reply: str, *, seed: str = "", fault: Fault | None = None
) -> Fixture:
    """A Converse fixture answering `request` (``converse_stream``'s arguments) with `reply`."""
    streamed = synthesize(as_messages_request(request), [TextBlock(reply)], seed=seed, fault=fault)
    return Fixture(
        request=request,
        events=to_converse_events(streamed.events),
        dropped_at=streamed.dropped_at,
    )


def converse_reply(request: dict[str, Any], text: str, seed: str) -> Fixture:
    """`synthesize_converse` as the fallback's writer: (request, text, seed) → fixture."""
    return synthesize_converse(request, text, seed=seed)


def to_converse_events(events: list[TimedEvent]) -> list[TimedEvent]:
    """The Converse events that say what these Messages API events say, at the same times."""
    converse: list[TimedEvent] = []
    usage: dict[str, int] = {}
    for event in events:
        data, at = event.data, event.at
        if event.type == "message_start":
            usage["inputTokens"] = data["message"]["usage"]["input_tokens"]
            converse.append(converse_event(at, "messageStart", {"role": "assistant"}))
        elif event.type == "content_block_start" and data["content_block"]["type"] == "tool_use":
            block = data["content_block"]
            start = {"toolUse": {"toolUseId": block["id"], "name": block["name"]}}
            payload = {"start": start, "contentBlockIndex": data["index"]}
            converse.append(converse_event(at, "contentBlockStart", payload))
        elif event.type == "content_block_delta" and (delta := _converse_delta(data["delta"])):
            payload = {"delta": delta, "contentBlockIndex": data["index"]}
            converse.append(converse_event(at, "contentBlockDelta", payload))
        elif event.type == "content_block_stop":
            payload = {"contentBlockIndex": data["index"]}
            converse.append(converse_event(at, "contentBlockStop", payload))
        elif event.type == "message_delta":
            usage["outputTokens"] = data["usage"]["output_tokens"]
            stop = {"stopReason": data["delta"]["stop_reason"]}
            converse.append(converse_event(at, "messageStop", stop))
        elif event.type == "message_stop":
            converse.append(converse_event(at, "metadata", _metadata(usage, at)))
        elif event.type == "error":
            name, text = bedrock_exception(data["error"]["type"]), data["error"]["message"]
            converse.append(converse_event(at, name, {"message": text}))
    return converse


def _converse_delta(delta: dict[str, Any]) -> dict[str, Any] | None:
    """A Messages API delta as Converse writes it (None for those left out, e.g. citations)."""
    if delta["type"] == "text_delta":
        return {"text": delta["text"]}
    if delta["type"] == "thinking_delta":
        return {"reasoningContent": {"text": delta["thinking"]}}
    if delta["type"] == "signature_delta":
        return {"reasoningContent": {"signature": delta["signature"]}}
    if delta["type"] == "input_json_delta":
        return {"toolUse": {"input": delta["partial_json"]}}
    return None


def _metadata(usage: dict[str, int], at: float) -> dict[str, Any]:
    total = usage.get("inputTokens", 0) + usage.get("outputTokens", 0)
    return {"usage": {**usage, "totalTokens": total}, "metrics": {"latencyMs": round(at * 1000)}}
