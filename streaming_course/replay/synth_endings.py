"""How a synthesized exchange ends, and what it carries besides its events.

`synth.synthesize` writes the events of a reply; this module shapes the fixture it returns
for the lesson on streams that stop early:

- response headers: a ``request-id`` (as every API response has) or any other;
- ``stop_details`` with a ``refusal`` (the API says why the reply was stopped);
- usage the text alone would not give: prompt caching (``cache_creation_input_tokens``,
  ``cache_read_input_tokens``, ``cache_creation`` by TTL), or a long prompt's
  ``input_tokens`` (``model_context_window_exceeded``);
- time spent reading a long prompt before the first token (``prefill_delay``);
- a stall: the body goes silent after some tokens, then the connection drops;
- the answer of ``POST /v1/messages/count_tokens``.

    >>> fixture = count_tokens_fixture(
    ...     {"model": "claude-haiku-5-5", "max_tokens": 64,
    ...      "messages": [{"role": "user", "content": "Say hi"}]})
    >>> fixture.endpoint, fixture.json_body.strip()
    ('/v1/messages/count_tokens', '{"input_tokens": 10}')
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .fixture import Fixture, TimedEvent
from .synth import Fault, count_input_tokens, tokens

COUNT_TOKENS_ENDPOINT = "/v1/messages/count_tokens"
COUNTED_FIELDS = ("model", "messages", "system", "tools", "tool_choice", "thinking")
"""The request fields `messages.count_tokens` takes (no max_tokens, no stream)."""


def count_tokens_fixture(request: dict[str, Any], latency: float = 0.18) -> Fixture:
    """The answer to counting the tokens of `request`: the same estimate its usage would show."""
    counted = {name: request[name] for name in COUNTED_FIELDS if name in request}
    body = json.dumps({"input_tokens": count_input_tokens(counted)})
    return Fixture(
        request=counted,
        body_kind="json",
        json_body=body,
        latency=latency,
        endpoint=COUNT_TOKENS_ENDPOINT,
    )


def fault_of(exchange: dict[str, Any]) -> Fault | None:
    """The exchange's `fault`; a ``stall`` is written as a late disconnect (see `shape_fixture`)."""
    if "fault" not in exchange:
        return None
    fault = dict(exchange["fault"])
    if fault.get("kind") == "stall":
        fault.pop("seconds", None)
        fault["kind"] = "disconnect"
    return Fault(**fault)


def shape_fixture(fixture: Fixture, exchange: dict[str, Any], seed: str) -> Fixture:
    """Apply the exchange's optional fields (all keys below are TOML keys of an exchange).

    ``request_id = true``, ``headers = {...}``, ``stop_details = {...}``,
    ``usage = {...}`` (values that replace the synthesized ones), ``cache = "write"`` or
    ``"read"`` (the system prompt up to its ``cache_control`` is the cached prefix),
    ``prefill_delay = 0.6`` (seconds added before the first byte), and
    ``fault = { kind = "stall", after_tokens = 20, seconds = 120 }``.
    """
    if exchange.get("request_id"):
        digest = hashlib.sha256(seed.encode()).hexdigest()
        fixture.headers["request-id"] = f"req_replay_{digest[:24]}"
    for name, value in exchange.get("headers", {}).items():
        fixture.headers[name] = str(value)
    usage = dict(exchange.get("usage", {}))
    if "cache" in exchange:
        usage.update(cache_usage(fixture.request, exchange["cache"]))
    if usage or "stop_details" in exchange:
        _edit_message(fixture, usage, exchange.get("stop_details"))
    if "prefill_delay" in exchange:
        _delay(fixture, float(exchange["prefill_delay"]))
    stall = exchange.get("fault", {})
    if stall.get("kind") == "stall" and fixture.events:
        fixture.dropped_at = round(fixture.events[-1].at + float(stall["seconds"]), 3)
    return fixture


def cache_usage(request: dict[str, Any], action: str) -> dict[str, Any]:
    """The usage of a request whose cached prefix is written (``write``) or read (``read``)."""
    if action not in ("write", "read"):
        raise ValueError(f"cache must be 'write' or 'read', not {action!r}")
    prefix, ttl = cached_prefix(request)
    written = prefix if action == "write" else 0
    return {
        "input_tokens": count_input_tokens(request) - prefix,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": prefix if action == "read" else 0,
        "cache_creation": {
            "ephemeral_5m_input_tokens": written if ttl == "5m" else 0,
            "ephemeral_1h_input_tokens": written if ttl == "1h" else 0,
        },
    }


def cached_prefix(request: dict[str, Any]) -> tuple[int, str]:
    """Tokens of the system blocks up to the last one with `cache_control`, and its TTL."""
    blocks = request.get("system")
    if not isinstance(blocks, list):
        raise ValueError("cache needs a system prompt given as blocks, one with cache_control")
    marked = [n for n, block in enumerate(blocks) if "cache_control" in block]
    if not marked:
        raise ValueError("cache needs a system block with cache_control")
    last = marked[-1]
    prefix = sum(len(tokens(block.get("text", ""))) for block in blocks[: last + 1])
    return prefix, blocks[last]["cache_control"].get("ttl", "5m")


def _edit_message(fixture: Fixture, usage: dict[str, Any], stop_details: Any) -> None:
    """Put `usage` into the message (message_start when streamed) and `stop_details` at its end."""
    if fixture.body_kind == "json":
        message = json.loads(fixture.json_body)
        message["usage"].update(usage)
        if stop_details is not None:
            message["stop_details"] = stop_details
        fixture.json_body = json.dumps(message, ensure_ascii=False, indent=2)
        return
    for number, event in enumerate(fixture.events):
        data = event.data
        if event.type == "message_start" and usage:
            data["message"]["usage"].update(usage)
        elif event.type == "message_delta" and stop_details is not None:
            data["delta"]["stop_details"] = stop_details
        else:
            continue
        fixture.events[number] = _event(event.at, data)


def _delay(fixture: Fixture, seconds: float) -> None:
    fixture.events = [_event(event.at + seconds, event.data) for event in fixture.events]
    if fixture.dropped_at is not None:
        fixture.dropped_at = round(fixture.dropped_at + seconds, 3)
    if fixture.body_kind == "json":
        fixture.latency = round(fixture.latency + seconds, 3)


def _event(at: float, payload: dict[str, Any]) -> TimedEvent:
    """An event written as `synth` writes them (compact JSON, `event:` then `data:`)."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return TimedEvent(at=round(at, 3), wire=f"event: {payload['type']}\ndata: {data}\n")
