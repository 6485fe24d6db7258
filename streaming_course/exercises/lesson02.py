"""Lesson 02's exercises: count a failing stream's events, name how a stream ended, print text only.

1. ``count_events(client)`` counts the event types of ``COMMITS`` up to its error event;
2. ``read_reply(client, request)`` returns ``(text, ending)`` for the lesson's four endings;
3. ``print_text_only(client, request)`` prints only the text of a reply that also calls a
   tool (its ``input_json_delta`` pieces have no ``.text``), and returns it.

The references come from the replay: the judge reads the same streams itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2

from ..config import load_settings
from .core import Wrong
from .judging import judge_client, run_printing, served

PROMPTS = {
    "TIP": "Give me one sentence of advice for reading a long server log.",
    "COMMITS": "List five habits for writing clear commit messages, one short line each.",
    "PASSWORDS": "Give three tips for choosing a strong password, in one paragraph.",
    "CACHE": "Explain in three sentences what a cache is.",
    "FERRY": "When does the next ferry leave from Harbour Pier?",
}
MAX_TOKENS = {"TIP": 100, "COMMITS": 300, "PASSWORDS": 300, "CACHE": 300, "FERRY": 300}
DEPARTURES_TOOL = {
    "name": "get_departures",
    "description": "The next departures from a pier.",
    "input_schema": {
        "type": "object",
        "properties": {"pier": {"type": "string"}},
        "required": ["pier"],
    },
}
ENDINGS = {  # the reader's names → the exercise's words
    "complete": "complete",
    "error_event": "error event",
    "truncated": "truncated",
    "dropped": "dropped",
}


def request(name: str) -> dict[str, Any]:
    """One of the notebook's requests (``"TIP"``, ``"COMMITS"``…) for the learner's model."""
    made = dict(
        model=load_settings().model,
        max_tokens=MAX_TOKENS[name],
        messages=[{"role": "user", "content": PROMPTS[name]}],
    )
    if name == "FERRY":
        made["tools"] = [DEPARTURES_TOOL]
    return made


# --- Exercise 1: count the events that came before the error -------------------------------


def judge_count_events(count_events: Callable[[anthropic.Anthropic], object]) -> None:
    """Right when the counts are those of the events that arrived before the error event."""
    expected = _counts_until_error(judge_client(speed=0))
    try:
        counts = count_events(judge_client(speed=0))
    except anthropic.APIStatusError as error:
        raise Wrong("error_not_caught", error=type(error).__name__) from None
    if counts is None:
        raise Wrong("returned_nothing")
    counts = Counter({kind: number for kind, number in dict(counts).items() if number})
    if not counts:
        raise Wrong("counted_nothing")
    for kind in sorted(set(expected) | set(counts)):
        if counts[kind] != expected[kind]:
            raise Wrong("count_differs", kind=kind, got=counts[kind], expected=expected[kind])


def _counts_until_error(client: anthropic.Anthropic) -> Counter[str]:
    counts: Counter[str] = Counter()
    try:
        for event in client.messages.create(**request("COMMITS"), stream=True):
            counts[event.type] += 1
    except anthropic.APIStatusError:
        return counts
    raise AssertionError("the COMMITS replay should end with an error event")


# --- Exercise 2: (text, ending) for every way a stream can end -----------------------------


def judge_read_reply(read_reply: Callable[[anthropic.Anthropic, dict[str, Any]], object]) -> None:
    """Right when each of the four requests gets its text so far and its ending's name."""
    for name in ("TIP", "COMMITS", "PASSWORDS", "CACHE"):
        outcome = served(request(name))
        expected_ending = ENDINGS[outcome.ending]
        try:
            answer = read_reply(judge_client(speed=0), request(name))
        except anthropic.APIStatusError:
            raise Wrong("error_event_not_caught", name=name) from None
        except httpx2.TransportError:
            raise Wrong("drop_not_caught", name=name) from None
        if answer is None:
            raise Wrong("returned_nothing")
        text, ending = answer
        if ending != expected_ending:
            key = "truncated_as_complete" if expected_ending == "truncated" else "ending_differs"
            raise Wrong(key, name=name, got=ending, expected=expected_ending)
        if text != outcome.text:
            raise Wrong("text_differs", name=name, got=len(text), expected=len(outcome.text))


# --- Exercise 3: a loop that prints only text, whatever else the reply holds ---------------


def judge_print_text_only(
    print_text_only: Callable[[anthropic.Anthropic, dict[str, Any]], object],
) -> None:
    """Right when the printed and returned text is the reply's, for a tool call too."""
    for name in ("TIP", "FERRY"):
        expected = served(request(name)).text
        try:
            returned, printed = run_printing(print_text_only, judge_client(speed=0), request(name))
        except AttributeError as error:
            raise Wrong("read_text_of_other_delta", name=name, detail=str(error)) from None
        if not printed.strip():
            raise Wrong("printed_nothing")
        if printed.strip() != expected.strip():
            raise Wrong("printed_differs", name=name, got=printed.strip()[:60], expected=expected)
        if returned is None:
            raise Wrong("returned_nothing")
        if returned != expected:
            raise Wrong("returned_differs", name=name)


EXERCISES = [
    ("count_events", judge_count_events),
    ("read_reply", judge_read_reply),
    ("print_text_only", judge_print_text_only),
]
