"""Lesson 03's exercises: numbered lines from a line buffer, a running word count, figures.

1. ``print_numbered(stream)`` prints a reply's lines numbered from 1, empty lines included,
   for a reply that thinks first too (its ``thinking_delta`` pieces have no ``.text``);
2. ``word_counts(stream)`` returns the number of words received so far after each text delta;
3. ``reply_stats(client, request)`` prints a reply with ``print_text`` and returns its number
   of lines, of characters, and whether it completed.

The judge opens the streams itself, on its own replay client, and compares with the reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import anthropic

from .core import Wrong
from .judging import judge_client, run_printing, served, user_request

PROMPTS = {
    "CHAIN": ("In one sentence, why does a bicycle chain need oil?", 100),
    "KETTLE": (
        "In three short numbered points, explain how an electric kettle knows when to switch off.",
        400,
    ),
    "README": (
        "Write a short Markdown cheat sheet for a project README: a heading, a bulleted list,"
        " a code block and a small table.",
        500,
    ),
    "RAINY": ("In three short lines, what should I pack for a rainy weekend walk?", 2000),
    "PASSWORDS": ("Give three tips for choosing a strong password, in one paragraph.", 300),
}
NUMBERED = re.compile(r"\s*(\d+)[.:)]?[ \t]?(.*)")  # "1 text", " 1 text", "1: text", "1. text"


def request(name: str) -> dict[str, Any]:
    """One of the notebook's requests (``"KETTLE"``, ``"RAINY"``…) for the learner's model."""
    prompt, max_tokens = PROMPTS[name]
    made = user_request(prompt, max_tokens)
    if name == "RAINY":
        made["thinking"] = {"type": "adaptive"}
    return made


def _stream(name: str) -> Any:
    return judge_client(speed=0).messages.create(**request(name), stream=True)


# --- Exercise 1: numbered lines, printed as each one completes -----------------------------


def judge_print_numbered(print_numbered: Callable[[Any], object]) -> None:
    """Right when every line of the reply is printed once, numbered 1, 2, 3… in order."""
    for name in ("KETTLE", "RAINY"):
        expected = served(request(name)).text.split("\n")
        try:
            _, printed = run_printing(print_numbered, _stream(name))
        except AttributeError as error:
            raise Wrong("read_text_of_other_delta", name=name, detail=str(error)) from None
        lines = printed.rstrip("\n").split("\n") if printed.strip() else []
        if not lines:
            raise Wrong("printed_nothing")
        for number, wanted in enumerate(expected, start=1):
            if number > len(lines):
                key = "lost_last_line" if number == len(expected) else "lines_missing"
                raise Wrong(key, name=name, number=number, expected=wanted)
            found = NUMBERED.fullmatch(lines[number - 1])
            if found is None or int(found[1]) != number:
                raise Wrong("number_differs", name=name, number=number, got=lines[number - 1])
            if found[2].rstrip() != wanted.rstrip():
                key = "skipped_empty_line" if not wanted.strip() else "line_differs"
                raise Wrong(key, name=name, number=number, got=found[2], expected=wanted)
        if len(lines) > len(expected):
            raise Wrong("extra_lines", name=name, got=len(lines), expected=len(expected))


# --- Exercise 2: a word count that words cut in two do not fool ----------------------------


def judge_word_counts(word_counts: Callable[[Any], object]) -> None:
    """Right when the counts are those of the text received so far, after each text delta."""
    for name in ("KETTLE", "RAINY"):
        pieces = [piece.text for piece in served(request(name)).pieces]
        expected = [len("".join(pieces[: n + 1]).split()) for n in range(len(pieces))]
        try:
            counts = word_counts(_stream(name))
        except AttributeError as error:
            raise Wrong("read_text_of_other_delta", name=name, detail=str(error)) from None
        if counts is None:
            raise Wrong("returned_nothing")
        counts = list(counts)
        if len(counts) != len(expected):
            raise Wrong("one_per_delta", name=name, got=len(counts), expected=len(expected))
        for number, (got, wanted) in enumerate(zip(counts, expected, strict=True), start=1):
            if got != wanted:
                added_up = sum(len(piece.split()) for piece in pieces[:number])
                key = "added_up_per_delta" if got == added_up else "count_differs"
                raise Wrong(key, name=name, number=number, got=got, expected=wanted)


# --- Exercise 3: what print_text's result tells you ----------------------------------------


def judge_reply_stats(
    reply_stats: Callable[[anthropic.Anthropic, dict[str, Any]], object],
) -> None:
    """Right when the reply was printed and the lines, characters and ending are its own."""
    for name in ("README", "PASSWORDS"):
        outcome = served(request(name))
        answer, printed = run_printing(reply_stats, judge_client(speed=0), request(name))
        if answer is None:
            raise Wrong("returned_nothing")
        lines, characters, complete = answer
        if outcome.text.strip() not in printed:
            raise Wrong("text_not_printed", name=name)
        if lines != len(outcome.text.splitlines()):
            key = "counted_pieces" if lines == len(outcome.pieces) else "lines_differ"
            raise Wrong(key, name=name, got=lines, expected=len(outcome.text.splitlines()))
        if characters != len(outcome.text):
            raise Wrong("characters_differ", name=name, got=characters, expected=len(outcome.text))
        if isinstance(complete, str):  # result.ending rather than result.complete: fine too
            complete = complete == "complete"
        if bool(complete) != outcome.complete:
            raise Wrong("ending_differs", name=name, ending=outcome.ending, got=complete)


EXERCISES = [
    ("print_numbered", judge_print_numbered),
    ("word_counts", judge_word_counts),
    ("reply_stats", judge_reply_stats),
]
