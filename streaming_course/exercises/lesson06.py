"""Lesson 6's exercises: a counting handler, stopping after a sentence, a stream that broke off.

Each judge hands the learner's function a stream (or an async client) of its own replay and
compares what came back with the recording, read by the course's reader.

>>> [name for name, _ in EXERCISES]
['count_text', 'first_sentence', 'complete_text']
"""

from __future__ import annotations

from typing import Any

from ..events import read_events
from .core import Wrong
from .judging import (
    arun_printing,
    async_judge_client,
    judge_client,
    run_printing,
    served,
    user_request,
)


def request(prompt: str, max_tokens: int) -> dict[str, Any]:
    """A one-message request to the course's model."""
    return user_request(prompt, max_tokens)


def poem() -> dict[str, Any]:
    """The notebook's ``POEM``."""
    return request("Write a four-line poem about a lighthouse at dusk.", 300)


def paper() -> dict[str, Any]:
    """The notebook's ``PAPER``."""
    return request("In one paragraph, explain why old paper turns yellow.", 400)


def passwords() -> dict[str, Any]:
    """The notebook's ``PASSWORDS``: a reply that breaks off without ``message_stop``."""
    prompt = "Give three tips for choosing a strong password, in one paragraph."
    return request(prompt, 300)


def text_pieces(request: dict[str, Any]) -> list[str]:
    """The text of each ``text_delta`` the replay sends for `request`, in order."""
    stream = judge_client(speed=0).messages.create(**request, stream=True)
    return [event.text for event in read_events(stream) if event.delta_type == "text_delta"]


def judge_count_text(count_text: Any) -> None:
    """(pieces, characters) of the poem are returned and printed once, at the end."""
    pieces = text_pieces(poem())
    want = (len(pieces), sum(len(piece) for piece in pieces))
    answer, printed = run_printing(count_text, judge_client(speed=0).messages.stream(**poem()))
    if answer is None:
        raise Wrong("returned_nothing")
    try:
        got = tuple(int(value) for value in answer)
    except (TypeError, ValueError):
        raise Wrong("not_two_counts", got=repr(answer)[:60]) from None
    snapshots = sum(len("".join(pieces[: i + 1])) for i in range(len(pieces)))
    if len(got) != 2:
        raise Wrong("not_two_counts", got=repr(answer)[:60])
    if got[1] == snapshots != want[1]:
        raise Wrong("summed_snapshots", got=got[1], want=want[1])
    if got[0] > want[0]:
        raise Wrong("counted_other_events", got=got[0], want=want[0])
    if got != want:
        raise Wrong("counts_off", pieces=got[0], characters=got[1])
    lines = [line for line in printed.splitlines() if line.strip()]
    if not lines:
        raise Wrong("printed_nothing")
    if len(lines) > 1:
        raise Wrong("printed_during_stream", lines=len(lines))
    if not all(str(count) in lines[0] for count in want):
        raise Wrong("summary_without_counts", line=lines[0])


def judge_first_sentence(first_sentence: Any) -> None:
    """Reading stopped at the piece with the first full stop; that sentence is printed."""
    pieces = text_pieces(paper())
    text = ""
    for piece in pieces:
        text += piece
        if "." in text:
            break
    want = text.split(".")[0] + "."
    snapshot, printed = run_printing(
        first_sentence, judge_client(speed=0).messages.stream(**paper())
    )
    if snapshot is None:
        raise Wrong("returned_nothing")
    if not hasattr(snapshot, "stop_reason") or not hasattr(snapshot, "content"):
        raise Wrong("not_a_snapshot", got=type(snapshot).__name__)
    if snapshot.stop_reason is not None:
        raise Wrong("read_to_the_end", stop_reason=snapshot.stop_reason)
    so_far = "".join(block.text for block in snapshot.content if block.type == "text")
    if len(so_far) > len(text):
        raise Wrong("read_too_far", characters=len(so_far), want=len(text))
    if len(so_far) < len(text):
        raise Wrong("stopped_too_soon", characters=len(so_far))
    if not printed.strip():
        raise Wrong("printed_nothing")
    if " ".join(printed.split()) != " ".join(want.split()):
        raise Wrong("printed_other", printed=printed.strip()[:80], want=want)


async def judge_complete_text(complete_text: Any) -> None:
    """The finished poem's text is printed and returned; the broken-off reply gives None."""
    want = served(poem()).text
    text, printed = await arun_printing(complete_text, async_judge_client(speed=0), poem())
    if text is None:
        raise Wrong("returned_nothing")
    if not printed.strip():
        raise Wrong("printed_nothing")
    if "".join(str(text).split()) != "".join(want.split()):
        raise Wrong("returned_other_text", got=str(text)[:60])
    if "".join(want.split()) not in "".join(printed.split()):
        raise Wrong("printed_other_text")
    partial, _ = await arun_printing(complete_text, async_judge_client(speed=0), passwords())
    if partial is not None:
        raise Wrong("kept_partial", characters=len(str(partial)))


EXERCISES = [
    ("count_text", judge_count_text),
    ("first_sentence", judge_first_sentence),
    ("complete_text", judge_complete_text),
]
