"""Write Converse fixtures: the events ``converse_stream`` would send for a reply text.

The Converse stream says what a Messages API stream says, in other events. So a Converse
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

from typing import Any

from ..replay.fixture import Fixture, TimedEvent
from ..replay.synth import Fault, TextBlock, synthesize
from .converse_fixture import converse_event
from .invoke_replay import bedrock_exception


def synthesize_converse(
    request: dict[str, Any], reply: str, *, seed: str = "", fault: Fault | None = None
) -> Fixture:
    """A Converse fixture answering `request` (``converse_stream``'s arguments) with `reply`."""
    messages_request = {
        "model": request["modelId"],
        "max_tokens": int(request.get("inferenceConfig", {}).get("maxTokens", 1024)),
        "messages": request.get("messages", []),
        "stream": True,
        **({"system": request["system"]} if "system" in request else {}),
    }
    streamed = synthesize(messages_request, [TextBlock(reply)], seed=seed, fault=fault)
    return Fixture(
        request=request,
        events=to_converse_events(streamed.events),
        dropped_at=streamed.dropped_at,
    )


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
