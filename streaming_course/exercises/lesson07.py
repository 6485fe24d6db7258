"""Lesson 7's exercises: announce tool fields when final, measure thinking, print footnotes.

For the first one the judge watches *when* each line is printed: it hands the learner a stream
whose events it counts, so a line printed while its field could still change (``"attendees":
[]`` as the list opens, ``{"n": 4`` when 42 is coming) is caught at the event it was printed.

>>> [name for name, _ in EXERCISES]
['announce_fields', 'measure_thinking', 'footnotes']
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from typing import Any

from ..config import load_settings
from .core import Wrong
from .judging import judge_client, run_printing

LATE = 2  # events a field may wait after becoming final (a raw delta, then its derived event)

CALENDAR_TOOL = {
    "name": "create_calendar_event",
    "description": "Create an event in the user's calendar.",
    "input_schema": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Short title of the event."},
            "date": {"type": "string", "description": "Day of the event, for example 4 March."},
            "start_time": {
                "type": "string",
                "description": "Start time, 24-hour clock, for example 09:15.",
            },
            "duration_minutes": {"type": "integer"},
            "attendees": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "string"},
        },
        "required": ["title", "date", "start_time", "duration_minutes"],
    },
}
MEETING = (
    "Put a planning meeting for the school trip in my calendar on 4 March at 15:30, for 45 "
    "minutes, with Ana, Bruno and Chloé. Add a note that we still need quotes from two bus "
    "companies."
)
QUESTION = (
    "A train leaves at 14:05 and arrives at 17:50. On the way it waits 25 minutes at one "
    "station. For how long was it actually moving?"
)
RULES = (
    "Riverside Library lending rules. "
    "Members can borrow up to eight items at a time. "
    "Books are lent for three weeks, and films and games for one week. "
    "A loan can be renewed twice, online or at the desk, unless another member has reserved "
    "the item. "
    "Items returned late are charged 20 cents per day, up to a maximum of 5 euros per item. "
    "Children's books are never charged late fees."
)


def calendar() -> dict[str, Any]:
    """The notebook's ``CALENDAR``: a request that makes the model call the calendar tool."""
    messages = [{"role": "user", "content": MEETING}]
    return dict(
        model=load_settings().model, max_tokens=1024, tools=[CALENDAR_TOOL], messages=messages
    )


def train() -> dict[str, Any]:
    """The notebook's ``TRAIN``: a question answered with adaptive thinking."""
    return dict(
        model=load_settings().model,
        max_tokens=3000,
        thinking={"type": "adaptive"},
        messages=[{"role": "user", "content": QUESTION}],
    )


def library() -> dict[str, Any]:
    """The notebook's ``LIBRARY``: a question on a document, with citations on."""
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": RULES},
        "title": "Riverside Library lending rules",
        "citations": {"enabled": True},
    }
    question = "How many items can I borrow, for how long, and can I keep them longer?"
    content = [document, {"type": "text", "text": question}]
    return dict(
        model=load_settings().model,
        max_tokens=600,
        messages=[{"role": "user", "content": content}],
    )


class _CountedStream:
    """A `MessageStream` stand-in that notes, after each event, which input fields are final."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.index = -1  # the event last handed to the learner
        self.final_at: dict[str, int] = {}  # field → first event after which it was final
        self.values: dict[str, Any] = {}  # field → its value in the finished input

    def __iter__(self) -> Iterator[Any]:
        for event in self._stream:
            self.index += 1
            self._note(event)
            yield event

    @property
    def text_stream(self) -> Iterator[str]:
        return (event.text for event in self if event.type == "text")

    def get_final_message(self) -> Any:
        self.until_done()
        return self._stream.get_final_message()

    def get_final_text(self) -> str:
        self.until_done()
        return self._stream.get_final_text()

    def until_done(self) -> None:
        for _ in self:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _note(self, event: Any) -> None:
        blocks = self._stream.current_message_snapshot.content
        calls = [block for block in blocks if block.type == "tool_use"]
        if not calls:
            return
        stopped = event.type == "content_block_stop" and event.content_block.type == "tool_use"
        keys = list(calls[-1].input or {})
        final = keys if stopped else keys[:-1]
        if stopped:
            self.values = dict(event.content_block.input)
        for key in final:
            self.final_at.setdefault(key, self.index)


class _CountedManager:
    """Hands out a `_CountedStream` from ``with``, like ``client.messages.stream(...)``."""

    def __init__(self, manager: Any) -> None:
        self._manager = manager
        self.stream: _CountedStream | None = None

    def __enter__(self) -> _CountedStream:
        self.stream = _CountedStream(self._manager.__enter__())
        return self.stream

    def __exit__(self, *exc: object) -> Any:
        return self._manager.__exit__(*exc)


class _StampedLines(io.StringIO):
    """Keeps each printed line with the event the stream had reached when it was printed."""

    def __init__(self, shown: Any, manager: _CountedManager) -> None:
        super().__init__()
        self._shown, self._manager = shown, manager
        self.lines: list[tuple[int, str]] = []
        self._line, self._at = "", -1

    def write(self, text: str) -> int:
        self._shown.write(text)
        stream = self._manager.stream
        for char in text:
            if not self._line:
                self._at = stream.index if stream else -1
            if char == "\n":
                self.lines.append((self._at, self._line))
                self._line = ""
            else:
                self._line += char
        return len(text)

    def close_line(self) -> None:
        """Keep an unfinished last line, and end it on screen so the verdict starts its own."""
        if self._line:
            self.lines.append((self._at, self._line))
            self._shown.write("\n")


def _shows(line: str, value: Any) -> bool:
    if isinstance(value, list):
        return all(str(item) in line for item in value)
    forms = {str(value), repr(value), json.dumps(value), json.dumps(value, ensure_ascii=False)}
    return any(form in line for form in forms)


def judge_announce_fields(announce_fields: Any) -> None:
    """Each field of the calendar call is printed once, at the event it became final."""
    manager = _CountedManager(judge_client(speed=0).messages.stream(**calendar()))
    lines = _StampedLines(sys.stdout, manager)
    try:
        with redirect_stdout(lines):
            announce_fields(manager)
    finally:
        lines.close_line()
    stream = manager.stream
    if stream is None:
        raise Wrong("stream_not_opened")
    if not stream.values:
        raise Wrong("stream_not_read")
    keys = list(stream.values)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, keys)) + r")\b")
    announced: dict[str, int] = {}
    for at, line in lines.lines:
        found = pattern.search(line)
        if found is None:
            continue
        key = found.group(1)
        if key in announced:
            raise Wrong("announced_twice", field=key)
        announced[key] = at
        if key not in stream.final_at or at < stream.final_at[key]:
            raise Wrong("too_early", field=key, line=line.strip())
        if at > stream.final_at[key] + LATE:
            raise Wrong("too_late", field=key)
        if not _shows(line, stream.values[key]):
            raise Wrong("wrong_value", field=key, value=repr(stream.values[key]))
    if not announced:
        raise Wrong("printed_nothing")
    missing = [key for key in keys if key not in announced]
    if missing:
        raise Wrong("missing_fields", fields=", ".join(missing))


def judge_measure_thinking(measure_thinking: Any) -> None:
    """(thinking characters, answer characters, thinking tokens, output tokens) of TRAIN."""
    with judge_client(speed=0).messages.stream(**train()) as stream:
        message = stream.get_final_message()
    thinking = sum(len(block.thinking) for block in message.content if block.type == "thinking")
    answer_chars = sum(len(block.text) for block in message.content if block.type == "text")
    usage = message.usage
    want = (
        thinking,
        answer_chars,
        usage.output_tokens_details.thinking_tokens,
        usage.output_tokens,
    )
    answer, _ = run_printing(measure_thinking, judge_client(speed=0).messages.stream(**train()))
    if answer is None:
        raise Wrong("returned_nothing")
    try:
        got = tuple(int(value) for value in answer)
    except (TypeError, ValueError):
        raise Wrong("not_four_numbers", got=repr(answer)[:60]) from None
    if len(got) != 4:
        raise Wrong("not_four_numbers", got=repr(answer)[:60])
    if got[:2] != want[:2]:
        raise Wrong("characters_off", thinking=got[0], answer=got[1])
    if got[2] != want[2]:
        if got[2] in (want[3], thinking, round(thinking / 4), thinking // 4):
            raise Wrong("not_thinking_tokens", got=got[2])
        raise Wrong("thinking_tokens_off", got=got[2])
    if got[3] != want[3]:
        raise Wrong("output_tokens_off", got=got[3])


def judge_footnotes(footnotes: Any) -> None:
    """The answer is printed, then one line per citation; the citations are returned in order."""
    with judge_client(speed=0).messages.stream(**library()) as stream:
        message = stream.get_final_message()
    text = "".join(block.text for block in message.content if block.type == "text")
    cited = [c for block in message.content if block.type == "text" for c in block.citations or []]
    sources, printed = run_printing(footnotes, judge_client(speed=0).messages.stream(**library()))
    if sources is None:
        raise Wrong("returned_nothing")
    sources = list(sources)
    if len(sources) == 2 * len(cited):
        raise Wrong("counted_twice", got=len(sources), want=len(cited))
    spans = [(c.start_char_index, c.end_char_index) for c in cited]
    got = [
        (getattr(c, "start_char_index", None), getattr(c, "end_char_index", None)) for c in sources
    ]
    if got != spans:
        raise Wrong("citations_off", got=len(sources), want=len(cited))
    flat = " ".join(printed.split())
    if " ".join(text.split()) not in flat:
        raise Wrong("answer_not_printed")
    lines = [line for line in printed.splitlines() if line.strip()]
    for number, citation in enumerate(cited, start=1):
        parts = (str(citation.start_char_index), str(citation.end_char_index))
        snippet = " ".join(citation.cited_text.split())[:20]
        if not any(
            all(p in line for p in parts) and snippet in " ".join(line.split()) for line in lines
        ):
            raise Wrong("footnote_missing", number=number)


EXERCISES = [
    ("announce_fields", judge_announce_fields),
    ("measure_thinking", judge_measure_thinking),
    ("footnotes", judge_footnotes),
]
