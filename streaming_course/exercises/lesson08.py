"""Lesson 8's exercises: a tool loop with a cap, its async twin, and a raw loop with a failing tool.

The judges give the learner's loop a replay client that keeps every request body it sends,
and judge the loop by those requests (the history it built, turn by turn) and by what it
printed, not by its code.

>>> [name for name, _ in EXERCISES]
['run_loop_capped', 'arun_loop', 'run_loop_raw']
"""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from itertools import pairwise
from typing import Any

import anthropic
import httpx2

from ..client import REPLAY_KEY, WireTap, replay_client, replay_transport
from ..config import load_settings
from .core import Wrong
from .judging import arun_printing, run_printing, served

OSLO_DATE = "What's the date today, and what's the weather in Oslo? Check the date first."
WARMER = "Is it warmer in Oslo or in Nairobi right now?"
ATLANTIS = "What's the weather in Atlantis?"


class Requests(list[dict[str, Any]]):
    """The request bodies a judge's client sent, in order."""

    def client(self) -> anthropic.Anthropic:
        """A replay client (no waits) that adds each request's body to this list."""
        return replay_client(self._transport(), max_retries=0)

    def async_client(self) -> anthropic.AsyncAnthropic:
        """The async twin of `client`."""
        http_client = httpx2.AsyncClient(transport=WireTap(self._transport()))
        return anthropic.AsyncAnthropic(api_key=REPLAY_KEY, http_client=http_client, max_retries=0)

    def _transport(self) -> Any:
        transport = replay_transport(replace(load_settings(), replay_speed=0))
        serve, aserve = transport.handle_request, transport.handle_async_request

        def handle(request: httpx2.Request) -> httpx2.Response:
            self.append(json.loads(request.read() or b"{}"))
            return serve(request)

        async def ahandle(request: httpx2.Request) -> httpx2.Response:
            self.append(json.loads(await request.aread() or b"{}"))
            return await aserve(request)

        transport.handle_request, transport.handle_async_request = handle, ahandle
        return transport


def _blocks(content: Any) -> list[dict[str, Any]]:
    return content if isinstance(content, list) else []


def check_history(requests: Requests) -> None:
    """Raise `Wrong` for the first request whose history breaks a rule of the tool loop."""
    for number, body in enumerate(requests, start=1):
        turns = body.get("messages", [])
        before = requests[number - 2]["messages"] if number > 1 else []
        if turns[: len(before)] != before:
            raise Wrong("history_lost", number=number)
        for earlier, later in pairwise(turns):
            if earlier["role"] == later["role"]:
                raise Wrong("same_role_twice", number=number, role=earlier["role"])
        for earlier, later in pairwise(turns):
            results = {b.get("tool_use_id") for b in _blocks(later["content"])}
            results.discard(None)
            if earlier["role"] == "assistant" and isinstance(earlier["content"], str) and results:
                raise Wrong("flattened", number=number)
            calls = [b["id"] for b in _blocks(earlier["content"]) if b.get("type") == "tool_use"]
            unanswered = [call for call in calls if call not in results]
            if unanswered:
                raise Wrong("unanswered_call", number=number, count=len(unanswered))


def _run(function: Any, requests: Requests, *args: Any) -> tuple[Any, str]:
    """Run the learner's loop; on a failure, name a broken history before the error itself."""
    try:
        return run_printing(function, requests.client(), *args)
    except Exception:
        check_history(requests)
        raise


async def _arun(function: Any, requests: Requests, *args: Any) -> tuple[Any, str]:
    try:
        return await arun_printing(function, requests.async_client(), *args)
    except Exception:
        check_history(requests)
        raise


def _answer_printed(requests: Requests, printed: str) -> None:
    """The reply to the last request (the final answer) is in what was printed."""
    final = served(requests[-1])
    if final.stop_reason == "tool_use":
        raise Wrong("stopped_at_tool_use", rounds=len(requests))
    if not printed.strip():
        raise Wrong("printed_nothing")
    if "".join(final.text.split()) not in "".join(printed.split()):
        raise Wrong("answer_not_printed")


def judge_run_loop_capped(run_loop_capped: Any) -> None:
    """Two rounds at most on OSLO_DATE (which needs three); all three when the cap is higher."""
    capped = Requests()
    history, printed = _run(run_loop_capped, capped, OSLO_DATE, 2)
    check_history(capped)
    if history is None:
        raise Wrong("returned_nothing")
    if len(capped) != 2:
        raise Wrong("rounds_off", cap=2, rounds=len(capped))
    if served(capped[-1]).stop_reason != "tool_use":
        raise Wrong("rounds_off", cap=2, rounds=len(capped))
    if not printed.strip():
        raise Wrong("printed_nothing")
    free = Requests()
    _, printed = _run(run_loop_capped, free, OSLO_DATE, 5)
    check_history(free)
    if len(free) > 5 or served(free[-1]).stop_reason == "tool_use":
        raise Wrong("stopped_under_cap", cap=5, rounds=len(free))
    _answer_printed(free, printed)


async def judge_arun_loop(arun_loop: Any) -> None:
    """The async loop answers WARMER's two parallel calls in one user message, then the answer."""
    if not inspect.iscoroutinefunction(arun_loop):
        raise Wrong("not_async")
    requests = Requests()
    history, printed = await _arun(arun_loop, requests, WARMER)
    check_history(requests)
    if history is None:
        raise Wrong("returned_nothing")
    _answer_printed(requests, printed)


def judge_run_loop_raw(run_loop_raw: Any) -> None:
    """The raw loop sends Atlantis's failure back (``is_error``) and prints the model's answer."""
    requests = Requests()
    history, printed = _run(run_loop_raw, requests, ATLANTIS)
    check_history(requests)
    if history is None:
        raise Wrong("returned_nothing")
    if len(requests) < 2:
        raise Wrong("stopped_at_tool_use", rounds=len(requests))
    results = [b for b in _blocks(requests[1]["messages"][-1]["content"]) if "tool_use_id" in b]
    if not any(result.get("is_error") for result in results):
        raise Wrong("error_not_sent")
    error = next(str(result.get("content")) for result in results if result.get("is_error"))
    if error.removeprefix("Error: ") not in printed:
        raise Wrong("result_not_printed")
    _answer_printed(requests, printed)


EXERCISES = [
    ("run_loop_capped", judge_run_loop_capped),
    ("arun_loop", judge_arun_loop),
    ("run_loop_raw", judge_run_loop_raw),
]
