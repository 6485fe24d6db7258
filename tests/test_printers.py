"""The printers show a stream exactly, and say in one line when it broke off."""

from __future__ import annotations

import asyncio
import io
import re
import time
from contextlib import redirect_stdout
from itertools import pairwise
from pathlib import Path

import anthropic
import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import streaming_course
from streaming_course.events import StreamOutcome
from streaming_course.printers import (
    PRICES,
    aprint_events,
    aprint_lines,
    aprint_markdown,
    aprint_text,
    aprint_usage,
    aprint_wire,
    print_events,
    print_lines,
    print_markdown,
    print_text,
    print_usage,
    print_wire,
)
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.replay.transport import ReplayTransport
from tests.streams import (
    TEXT_REQUEST,
    async_client_for,
    client_for,
    request,
    text_fixture,
    without_stream,
)

DELTAS = ["Hel", "lo\nwor", "ld!"]
TEXT = "Hello\nworld!"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# --- Any text, split any way, comes out exactly ---------------------------------------

PIECES = st.sampled_from(
    ["\r\n", "\n", "\n\n", "```python\n", "```\n", "  ", "日本語のテキスト。", "👍🏽", "🇯🇵", "é"]
)
CHARACTERS = st.characters(blacklist_categories=("Cs",))  # any character that UTF-8 can carry
TEXTS = st.lists(st.one_of(PIECES, st.text(CHARACTERS, max_size=12)), max_size=12).map("".join)


@st.composite
def split_texts(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text, and the deltas it is sent as (cut anywhere, empty pieces included)."""
    text = draw(TEXTS)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=20)))
    bounds = [0, *cuts, len(text)]
    return text, [text[start:end] for start, end in pairwise(bounds)]


def output_of(printer, stream, **options) -> tuple[str, StreamOutcome]:
    sink = io.StringIO()
    with redirect_stdout(sink):
        outcome = printer(stream, **options)
    return sink.getvalue(), outcome


def raw_stream(fixture):
    return client_for(fixture).messages.create(**TEXT_REQUEST)


EXACT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXACT
@given(split_texts())
def test_print_text_prints_exactly_the_text(case):
    text, deltas = case
    fixture = text_fixture(deltas)
    assert output_of(print_text, raw_stream(fixture))[0] == text + "\n"
    assert output_of(print_text, raw_stream(fixture), end="")[0] == text


class FlushRecorder(io.StringIO):
    """An output that notes everything shown so far each time it is flushed."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[str] = []

    def flush(self) -> None:
        self.shown.append(self.getvalue())


@EXACT
@given(split_texts())
def test_print_lines_prints_exactly_the_text_in_whole_lines(case):
    text, deltas = case
    sink = FlushRecorder()
    with redirect_stdout(sink):
        print_lines(raw_stream(text_fixture(deltas)))
    assert sink.getvalue() == text + "\n"
    assert all(shown.endswith("\n") for shown in sink.shown)


def test_each_printer_shows_text_as_soon_as_it_can():
    for printer, expected in [
        (print_text, ["Hel", "Hello\nwor", "Hello\nworld!", "Hello\nworld!\n"]),
        (print_lines, ["Hello\n", "Hello\nworld!\n"]),
    ]:
        sink = FlushRecorder()
        with redirect_stdout(sink):
            printer(raw_stream(text_fixture(DELTAS)))
        assert sink.shown == expected


def test_print_text_works_on_the_helper_stream_too():
    client = client_for(text_fixture(DELTAS))
    with client.messages.stream(**without_stream(TEXT_REQUEST)) as stream:
        printed, outcome = output_of(print_text, stream)
    assert printed == TEXT + "\n"
    assert (outcome.text, outcome.complete, outcome.ending) == (TEXT, True, "complete")
    assert outcome.message.content[0].text == TEXT


# --- A broken stream: the partial text, then one clear line ---------------------------

FAULTS = {"error": "error_event", "disconnect": "dropped", "truncate": "truncated"}


def _assert_partial_then_one_line(printed: str, outcome: StreamOutcome, fault: str) -> None:
    assert printed == TEXT + "\n" + outcome.description + "\n"
    assert (outcome.complete, outcome.ending, outcome.text) == (False, FAULTS[fault], TEXT)
    assert outcome.message.content[0].text == TEXT
    assert "Traceback" not in printed


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("printer", [print_text, print_lines])
def test_a_broken_stream_prints_what_arrived_and_one_line(printer, fault):
    printed, outcome = output_of(printer, raw_stream(text_fixture(DELTAS, fault=fault)))
    _assert_partial_then_one_line(printed, outcome, fault)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("printer", [aprint_text, aprint_lines])
def test_a_broken_async_stream_prints_what_arrived_and_one_line(printer, fault):
    async def main():
        client = async_client_for(text_fixture(DELTAS, fault=fault))
        async with client.messages.stream(**without_stream(TEXT_REQUEST)) as stream:
            return await printer(stream)

    sink = io.StringIO()
    with redirect_stdout(sink):
        outcome = asyncio.run(main())
    _assert_partial_then_one_line(sink.getvalue(), outcome, fault)


def test_the_line_starts_a_line_of_its_own():
    printed, outcome = output_of(print_text, raw_stream(text_fixture(["Done.\n"], fault="error")))
    assert printed == "Done.\n" + outcome.description + "\n"
    printed, outcome = output_of(print_text, raw_stream(text_fixture([], fault="disconnect")))
    assert printed == outcome.description + "\n"


class Interrupted:
    """A stream interrupted (as by Ctrl-C or a Stop button) after `count` events."""

    def __init__(self, fixture, count):
        self.events = list(raw_stream(fixture))[:count]

    def __iter__(self):
        yield from self.events
        raise KeyboardInterrupt

    def close(self):
        pass


def test_an_interrupt_is_reported_in_one_line_then_raised():
    sink = io.StringIO()
    with redirect_stdout(sink), pytest.raises(KeyboardInterrupt):
        print_text(Interrupted(text_fixture(DELTAS), count=3))
    assert sink.getvalue().splitlines() == [
        "Hel",
        "■ Reading stopped after 3 characters: the reply is incomplete.",
    ]


def test_cancelling_an_async_printer_reports_it_and_cancels():
    fixture = text_fixture(["One", " two", " three", " four"], gap=1.0)  # one event a second
    sink = io.StringIO()

    async def main():
        stream = await async_client_for(fixture, speed=10).messages.create(**TEXT_REQUEST)
        task = asyncio.create_task(aprint_text(stream))
        while "two" not in sink.getvalue():  # " three" is due 0.1 s after " two"
            await asyncio.sleep(0.002)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return stream

    with redirect_stdout(sink):
        stream = asyncio.run(main())
    assert sink.getvalue() == (
        "One two\n■ Reading stopped after 7 characters: the reply is incomplete.\n"
    )
    assert stream.response.is_closed


# --- print_events ---------------------------------------------------------------------


def test_print_events_prints_one_coloured_line_per_event():
    client = client_for(text_fixture(DELTAS))
    with client.messages.stream(**without_stream(TEXT_REQUEST)) as stream:
        printed, outcome = output_of(print_events, stream)
    lines = printed.splitlines()
    assert len(lines) == 5 + 2 * len(DELTAS)  # 5 frame events; each delta, then its `text`
    assert outcome.complete
    colours: dict[str, set[str]] = {}
    for line in lines:
        match = re.match(r"\x1b\[(\d+)m +\d+\.\d{3}s  (\w+)", line)
        assert match, line
        colours.setdefault(match[2], set()).add(match[1])
    assert all(len(codes) == 1 for codes in colours.values())  # one colour per type
    assert colours["content_block_delta"] != colours["message_start"] != colours["text"]


def test_print_events_without_colour_shows_each_events_content():
    printed, _ = output_of(print_events, raw_stream(text_fixture(DELTAS)), color=False)
    assert not ANSI.search(printed)
    lines = printed.splitlines()
    assert "message_start" in lines[0] and "input_tokens=12" in lines[0]
    assert lines[2].split()[1:] == ["content_block_delta", "0", "text_delta", "'Hel'"]
    assert "stop_reason=end_turn output_tokens=3" in lines[-2]


def test_print_events_ends_a_broken_stream_with_one_red_line():
    printed, outcome = output_of(print_events, raw_stream(text_fixture(DELTAS, fault="error")))
    last = printed.splitlines()[-1]
    assert last == f"\x1b[31m{outcome.description}\x1b[0m"


# --- print_wire -----------------------------------------------------------------------


def test_print_wire_shows_every_line_pings_included():
    fixture = text_fixture(DELTAS)
    printed, outcome = output_of(print_wire, raw_stream(fixture))
    shown = [re.sub(r"^ +\d+\.\d{3}s ?", "", line).strip() for line in printed.splitlines()]
    wire_lines = [line for event in fixture.events for line in (*event.wire.splitlines(), "")]
    assert shown == wire_lines
    assert "event: ping" in shown and outcome.complete


def test_print_wire_shows_a_ping_when_it_arrives_not_with_the_next_event():
    fixture = text_fixture(DELTAS, gap=1.0)  # the ping at 3 s, the first delta at 4 s
    written: list[tuple[float, str]] = []

    class TimedSink(io.StringIO):
        def write(self, text: str) -> int:
            written.append((time.perf_counter(), text))
            return super().write(text)

    with redirect_stdout(TimedSink()):
        started = time.perf_counter()
        print_wire(client_for(fixture, speed=10).messages.create(**TEXT_REQUEST))
    shown_at = {text.split("s  ", 1)[-1]: at - started for at, text in written if "s  " in text}
    assert shown_at["event: ping"] < 0.39 <= shown_at["event: content_block_delta"]


def test_print_wire_on_a_client_without_a_tap_says_so():
    transport = ReplayTransport(FixtureLibrary([text_fixture(DELTAS)]), speed=0, strict=True)
    client = anthropic.Anthropic(api_key="test", http_client=httpx2.Client(transport=transport))
    printed, outcome = output_of(print_wire, client.messages.create(**TEXT_REQUEST))
    assert printed.startswith("This client has no wire tap")
    assert len(printed.splitlines()) == 1 and outcome.text == TEXT


# --- print_usage ----------------------------------------------------------------------


def test_print_usage_reads_a_stream_and_estimates_the_cost():
    printed, outcome = output_of(print_usage, raw_stream(text_fixture(DELTAS)))
    assert printed.splitlines() == [
        "Input tokens: 12 (from message_start)",
        "Output tokens: 3 (from the last message_delta: a running total)",
        "Stop reason: end_turn",
        "Estimated cost: $0.000027 (example prices for claude-haiku: "
        "$1.00 in, $5.00 out per million tokens)",
    ]
    assert outcome.usage.output_tokens == 3


def test_print_usage_works_on_a_finished_message_with_cache_fields():
    req = request("Hi", stream=False)
    client = client_for(synthesize(req, [TextBlock("Hello there.")]))
    message = client.messages.create(**req)
    printed, outcome = output_of(print_usage, message, prices={"claude": (2.0, 10.0)})
    assert "Cache: 0 tokens written, 0 read" in printed
    cost = (message.usage.input_tokens * 2 + message.usage.output_tokens * 10) / 1e6
    assert f"${cost:.6f} (example prices for claude:" in printed
    assert outcome.complete and outcome.text == "Hello there."


def test_print_usage_without_a_price_says_how_to_add_one():
    printed, _ = output_of(print_usage, raw_stream(text_fixture(DELTAS)), prices={})
    assert "add its prefix to PRICES" in printed
    assert set(PRICES) >= {"claude-haiku", "claude-sonnet", "claude-opus"}


def test_print_usage_of_a_broken_stream_adds_the_line():
    printed, outcome = output_of(print_usage, raw_stream(text_fixture(DELTAS, fault="truncate")))
    assert "Stop reason: —" in printed
    assert printed.splitlines()[-1] == outcome.description


# --- print_markdown -------------------------------------------------------------------

HAS_MARKDOWN_LIVE = (Path(streaming_course.__file__).parent / "markdown_live.py").exists()


@pytest.mark.skipif(not HAS_MARKDOWN_LIVE, reason="markdown_live.py is not written yet")
@pytest.mark.parametrize("fault", [None, "error"])
def test_print_markdown_outside_a_notebook_prints_the_text(fault):
    printed, outcome = output_of(print_markdown, raw_stream(text_fixture(DELTAS, fault=fault)))
    expected = TEXT + "\n" + ("" if fault is None else outcome.description + "\n")
    assert printed == expected


# --- the async twins ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sync_printer", "async_printer"),
    [
        (print_text, aprint_text),
        (print_lines, aprint_lines),
        (print_events, aprint_events),
        (print_wire, aprint_wire),
        (print_usage, aprint_usage),
        *([(print_markdown, aprint_markdown)] if HAS_MARKDOWN_LIVE else []),
    ],
)
def test_each_async_twin_prints_what_its_sync_printer_prints(sync_printer, async_printer):
    times = re.compile(r"\d+\.\d{3}s")

    async def main():
        stream = await async_client_for(text_fixture(DELTAS)).messages.create(**TEXT_REQUEST)
        return await async_printer(stream)

    sink = io.StringIO()
    with redirect_stdout(sink):
        outcome = asyncio.run(main())
    printed, sync_outcome = output_of(sync_printer, raw_stream(text_fixture(DELTAS)))
    assert times.sub("t", sink.getvalue()) == times.sub("t", printed)
    assert outcome.message.model_dump() == sync_outcome.message.model_dump()


def test_aprint_usage_takes_a_finished_message():
    message = StreamOutcome.of_message(
        output_of(print_text, raw_stream(text_fixture(DELTAS)))[1].message
    )
    sink = io.StringIO()
    with redirect_stdout(sink):
        asyncio.run(aprint_usage(message.message))
    assert sink.getvalue().startswith("Input tokens: 12")
