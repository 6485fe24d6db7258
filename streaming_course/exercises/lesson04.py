"""Lesson 04's exercises: a cost by hand, a reply cut at max_tokens asked again, usage from events.

1. ``cost_of(message, prices)`` returns a message's estimated cost with a price table;
2. ``ask_with_room(client, request)`` streams with ``print_text`` and, only when the reply
   stopped at ``max_tokens``, sends the request again with ``max_tokens=400``;
3. ``usage_of(client, request)`` streams without printing and returns the input and output
   tokens and the stop reason, each from the right event (a ``message_delta`` that resends
   ``input_tokens``, after a web search, wins).

The judge watches what the code did: the figures it returned and the requests it sent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import anthropic

from ..printers.usage import PRICES, price_for
from .core import Wrong
from .judging import judge_client, run_printing, served, user_request

PROMPTS = {
    "TOKENS": ("In about sixty words, explain what a token is for a language model.", 300),
    "BREAD": ("Explain step by step how bread dough rises.", 60),
    "LIBRARY": ("Look up when the Elm Street Library opens on Saturdays.", 1024),
}
WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 1}
ROOM = 400  # the max_tokens the exercise asks for the second attempt


def request(name: str, **changes: Any) -> dict[str, Any]:
    """One of the notebook's requests (``"TOKENS"``, ``"BREAD"``…), with `changes`."""
    prompt, max_tokens = PROMPTS[name]
    made = user_request(prompt, max_tokens)
    if name == "LIBRARY":
        made["tools"] = [WEB_SEARCH]
    return {**made, **changes}


# --- Exercise 1: the cost, by hand ---------------------------------------------------------


def judge_cost_of(cost_of: Callable[[Any, dict[str, tuple[float, float]]], object]) -> None:
    """Right when the cost follows the formula, with the prices it was given."""
    message = served(request("BREAD")).message
    assert message is not None
    found = price_for(message.model, PRICES)
    assert found is not None, f"PRICES has no price for {message.model}"
    prefix, (per_input, per_output) = found
    other_prices = {**PRICES, prefix: (per_input * 3, per_output * 7)}
    for prices in (PRICES, other_prices):
        expected = _cost(message.usage, prices[prefix])
        got = cost_of(message, prices)
        if got is None:
            raise Wrong("returned_nothing")
        if _close(got, expected):
            continue
        if prices is other_prices and _close(got, _cost(message.usage, (per_input, per_output))):
            raise Wrong("ignored_prices")
        if _close(got, expected * 1_000_000):
            raise Wrong("per_million", got=got)
        swapped = prices[prefix][::-1]
        if _close(got, _cost(message.usage, swapped)):
            raise Wrong("swapped_prices")
        raise Wrong("cost_differs", got=got, expected=f"{expected:.6f}")


def _cost(usage: Any, per_million: tuple[float, float]) -> float:
    per_input, per_output = per_million
    return (usage.input_tokens * per_input + usage.output_tokens * per_output) / 1_000_000


def _close(got: object, expected: float) -> bool:
    """Equal to a rounding to six decimals (dollars), or to a thousandth of the figure."""
    if not isinstance(got, int | float):
        return False
    return math.isclose(got, expected, rel_tol=1e-3, abs_tol=5e-7)


# --- Exercise 2: ask again with more room, and only then -----------------------------------


def judge_ask_with_room(
    ask_with_room: Callable[[anthropic.Anthropic, dict[str, Any]], object],
) -> None:
    """Right when a cut reply is asked again with max_tokens=400, and a complete one is not."""
    cases = (("BREAD", [60, ROOM], request("BREAD", max_tokens=ROOM)), ("TOKENS", [300], None))
    for name, wanted_limits, final in cases:
        client, limits = _counting_requests(judge_client(speed=0))
        try:
            answer, printed = run_printing(ask_with_room, client, request(name))
        except Exception:
            if len(limits) > len(wanted_limits):  # asked again, with no recording for that
                raise Wrong("asked_again_needlessly", name=name) from None
            raise
        if len(limits) < len(wanted_limits):
            raise Wrong("did_not_ask_again", name=name)
        if len(limits) > len(wanted_limits):
            raise Wrong("asked_again_needlessly", name=name)
        if limits != wanted_limits:
            raise Wrong("limits_differ", name=name, got=limits, expected=wanted_limits)
        expected = served(final or request(name)).text
        if expected.strip() not in printed:
            raise Wrong("reply_not_printed", name=name)
        if _text_of(answer) != expected:
            raise Wrong("returned_other_reply", name=name)


def _counting_requests(client: anthropic.Anthropic) -> tuple[anthropic.Anthropic, list[int]]:
    """The client, whose ``messages.create`` now notes each request's ``max_tokens``."""
    limits: list[int] = []
    create = client.messages.create

    def noting_create(**request: Any) -> Any:
        limits.append(request.get("max_tokens", 0))
        return create(**request)

    client.messages.create = noting_create  # type: ignore[method-assign]
    return client, limits


def _text_of(answer: object) -> str | None:
    """The text of what the learner returned: a printer's result, a Message, or a str."""
    if isinstance(answer, str):
        return answer
    if hasattr(answer, "text") and isinstance(answer.text, str):
        return answer.text
    content = getattr(answer, "content", None)
    if isinstance(content, list):
        return "".join(block.text for block in content if block.type == "text")
    return None


# --- Exercise 3: the usage, from the right events ------------------------------------------


def judge_usage_of(usage_of: Callable[[anthropic.Anthropic, dict[str, Any]], object]) -> None:
    """Right when the figures are the final message's, for a plain reply and a web search."""
    for name in ("TOKENS", "LIBRARY"):
        outcome = served(request(name))
        assert outcome.message is not None and outcome.usage_at_start is not None
        usage = outcome.message.usage
        found = usage_of(judge_client(speed=0), request(name))
        if not found:
            raise Wrong("returned_nothing")
        got = {key: found.get(key) for key in ("input_tokens", "output_tokens", "stop_reason")}
        if got["output_tokens"] != usage.output_tokens:
            added = usage.output_tokens + outcome.usage_at_start.output_tokens
            key = "added_up" if got["output_tokens"] == added else "output_differs"
            raise Wrong(key, name=name, got=got["output_tokens"], expected=usage.output_tokens)
        if got["input_tokens"] != usage.input_tokens:
            at_start = outcome.usage_at_start.input_tokens
            key = "kept_start_input" if got["input_tokens"] == at_start else "input_differs"
            raise Wrong(key, name=name, got=got["input_tokens"], expected=usage.input_tokens)
        if got["stop_reason"] != outcome.message.stop_reason:
            raise Wrong(
                "stop_reason_differs",
                name=name,
                got=got["stop_reason"],
                expected=outcome.message.stop_reason,
            )


EXERCISES = [
    ("cost_of", judge_cost_of),
    ("ask_with_room", judge_ask_with_room),
    ("usage_of", judge_usage_of),
]
