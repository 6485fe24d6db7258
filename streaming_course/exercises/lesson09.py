"""Lesson 09's exercises: how a stream ended, a reply continued, the cache's price.

Each judge runs the learner's function against its own replay client and looks at what came
back: the label of each ending, the whole text, the cost.
"""

from __future__ import annotations

import math
import time
from typing import Any

import anthropic
import httpx2

from .core import Wrong
from .judging import judge_client, served, user_request

CONTINUE = "Please continue exactly where you stopped."
TIMEOUT_LIMIT = 4.0  # seconds: a stall that took longer was not cut by a 2 s read timeout


def ask(prompt: str, max_tokens: int = 300, **fields: Any) -> dict[str, Any]:
    """The lesson's request of one user message (its `ask`)."""
    return user_request(prompt, max_tokens, **fields)


def requests() -> dict[str, dict[str, Any]]:
    """The lesson's requests, by the names the notebook gives them."""
    return {
        "LIGHTHOUSE": ask(
            "Name three things a lighthouse keeper checked every evening, one short sentence each.",
            200,
        ),
        "SUNDIAL": ask("Explain how a sundial tells the time.", max_tokens=40),
        "CAT": ask(
            "Suggest three names for a grey cat, one per line, nothing else.",
            100,
            stop_sequences=["\n"],
        ),
        "PORTS": ask(
            "Write a Python script that checks which ports are open on every address of my home "
            "network.",
            600,
        ),
        "HOUSEPLANT": ask("List four signs that a houseplant needs more light."),
        "BREAD": ask("Give two tips for keeping bread fresh for longer."),
        "RAIN": ask("Describe the smell of rain in three sentences."),
    }


def expected_label(name: str, request: dict[str, Any]) -> str:
    """The label the exercise asks for, from what the replay sends (a stall: "timed out")."""
    if name == "RAIN":  # a stall: read with the default timeout it would wait ten minutes
        return "timed out"
    outcome = served(request)
    if outcome.ending == "complete":
        return str(outcome.stop_reason)
    return {"error_event": "error event", "dropped": "dropped"}.get(outcome.ending, outcome.ending)


def judge_how_it_ended(how_it_ended: Any) -> None:
    """Every ending gets its label: four stop reasons, an error event, a drop, a stall."""
    client = judge_client(speed=0, timeout=httpx2.Timeout(8.0, connect=5.0))
    for name, request in requests().items():
        expected = expected_label(name, request)
        started = time.perf_counter()
        try:
            got = how_it_ended(client, request)
        except Exception as error:  # the exercise is to catch each ending
            raise Wrong("raised_on", name=name, error=type(error).__name__) from error
        if got is None:
            raise Wrong("returned_nothing")
        if name == "RAIN" and time.perf_counter() - started > TIMEOUT_LIMIT:
            raise Wrong("no_timeout")
        if str(got).strip() != expected:
            raise Wrong("mislabelled", name=name, got=got, expected=expected)


def continuation(request: dict[str, Any], cut_text: str) -> dict[str, Any]:
    """The request that continues `request`'s reply, cut at `cut_text` (the lesson's CONTINUE)."""
    messages = [
        *request["messages"],
        {"role": "assistant", "content": cut_text},
        {"role": "user", "content": CONTINUE},
    ]
    return {**request, "max_tokens": 400, "messages": messages}


def judge_complete_reply(complete_reply: Any) -> None:
    """SUNDIAL's cut reply, continued, is the whole answer; a complete reply is sent once."""
    sundial, lighthouse = requests()["SUNDIAL"], requests()["LIGHTHOUSE"]
    cut = served(sundial).text
    rest = served(continuation(sundial, cut)).text
    sent: list[object] = []

    def count(request: Any, call_next: Any) -> Any:
        sent.append(request)
        return call_next(request)

    client = judge_client(speed=0).with_middleware(count)
    got = complete_reply(client, sundial)
    if got is None:
        raise Wrong("returned_nothing")
    if _squeezed(got) == _squeezed(cut):
        raise Wrong("stopped_at_the_cut", requests=len(sent))
    if _squeezed(got) == _squeezed(rest):
        raise Wrong("lost_the_first_part")
    if _squeezed(got) != _squeezed(cut + rest):
        raise Wrong("not_the_whole", got=len(str(got)), expected=len(cut + rest))
    sent.clear()
    whole = complete_reply(client, lighthouse)
    if len(sent) != 1 or _squeezed(whole) != _squeezed(served(lighthouse).text):
        raise Wrong("continued_a_complete_reply", requests=len(sent))


def usages() -> dict[str, anthropic.types.Usage]:
    """Three requests for the price exercise: one writes the cache, one reads it, one not."""
    usage = anthropic.types.Usage
    return {
        "write": usage(
            input_tokens=25,
            cache_creation_input_tokens=6_000,
            cache_read_input_tokens=0,
            output_tokens=80,
        ),
        "read": usage(
            input_tokens=18,
            cache_creation_input_tokens=0,
            cache_read_input_tokens=6_000,
            output_tokens=40,
        ),
        "plain": usage(
            input_tokens=1_200,
            cache_creation_input_tokens=0,
            cache_read_input_tokens=0,
            output_tokens=60,
        ),
    }


def judge_input_cost(input_cost: Any) -> None:
    """Cache writes at 1.25×, reads at 0.1×, plain input at 1×; uncached: all input at 1×."""
    per_token = 1 / 1_000_000
    for kind, usage in usages().items():
        plain = usage.input_tokens * per_token
        written = (usage.cache_creation_input_tokens or 0) * per_token
        read = (usage.cache_read_input_tokens or 0) * per_token
        cached, uncached = input_cost(usage), input_cost(usage, cached=False)
        if cached is None or uncached is None:
            raise Wrong("returned_nothing")
        if _near(uncached, plain) and not _near(plain, plain + written + read):
            raise Wrong("uncached_only_input")
        if not _near(uncached, plain + written + read):
            raise Wrong("wrong_uncached", kind=kind, got=uncached, expected=plain + written + read)
        if kind == "write" and _near(cached, plain + written):
            raise Wrong("write_at_plain_price")
        if kind == "read" and _near(cached, plain + read):
            raise Wrong("read_at_plain_price")
        expected = plain + 1.25 * written + 0.1 * read
        if not _near(cached, expected):
            raise Wrong("wrong_cached", kind=kind, got=cached, expected=expected)


def _near(got: Any, expected: float) -> bool:
    try:
        return math.isclose(float(got), expected, rel_tol=1e-6, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


def _squeezed(text: Any) -> str:
    return " ".join(str(text).split())


EXERCISES = [
    ("how_it_ended", judge_how_it_ended),
    ("complete_reply", judge_complete_reply),
    ("input_cost", judge_input_cost),
]
