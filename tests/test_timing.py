"""`measure` and `compare` time replies consistently, and at the recorded pace."""

from __future__ import annotations

import asyncio

import pytest

from streaming_course.events import read_events
from streaming_course.replay.fixture import TimedEvent
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.timing import Comparison, Timing, acompare, ameasure, compare, measure
from tests.streams import async_client_for, client_for, request, text_fixture, without_stream

REPLY = "Streaming shows the first words while the rest is still being written. " * 8
STREAMED = request("Explain streaming.", max_tokens=600)
NOT_STREAMED = request("Explain streaming.", max_tokens=600, stream=False)
ARGUMENTS = without_stream(STREAMED)


def fixtures():
    return [synthesize(STREAMED, [TextBlock(REPLY)]), synthesize(NOT_STREAMED, [TextBlock(REPLY)])]


@pytest.fixture(scope="module", autouse=True)
def _warm_up_the_sdk():
    """The SDK builds its event models on first use (≈ 20 ms once per process)."""
    measure(client_for(*fixtures()), stream=True, **ARGUMENTS)


def _assert_consistent_streamed(timing: Timing) -> None:
    assert timing.streamed and timing.complete and timing.model == "claude-haiku-5-5"
    assert 0 < timing.ttft <= timing.total
    assert timing.ttft == timing.delta_times[0]
    assert timing.delta_times == sorted(timing.delta_times)
    assert timing.delta_times[-1] <= timing.total
    assert len(timing.delta_chars) == len(timing.delta_times) > 1
    assert sum(timing.delta_chars) == len(REPLY)
    assert timing.tokens_per_second == pytest.approx(timing.output_tokens / timing.total)


def test_a_streamed_measure_at_speed_0_is_consistent():
    client = client_for(*fixtures())
    timing = measure(client, stream=True, **ARGUMENTS)
    _assert_consistent_streamed(timing)
    reader = read_events(client.messages.create(**STREAMED))
    list(reader)
    assert timing.output_tokens == reader.outcome.usage.output_tokens > 1


def test_a_non_streamed_measure_is_one_piece_at_the_end():
    timing = measure(client_for(*fixtures()), stream=False, **ARGUMENTS)
    assert not timing.streamed
    assert timing.ttft == timing.total == timing.delta_times[0] > 0
    assert timing.delta_chars == [len(REPLY)]
    assert timing.output_tokens > 0


def _paced_fixture():
    """A reply whose first text arrives at 1.0 s and whose last event at 2.0 s (recorded)."""
    fixture = text_fixture(["First", " words", " then", " more."], req=STREAMED)
    offsets = [0.30, 0.32, 0.33, 1.00, 1.40, 1.70, 1.95, 1.97, 1.99, 2.00]
    assert len(offsets) == len(fixture.events)
    fixture.events = [TimedEvent(at, e.wire) for at, e in zip(offsets, fixture.events, strict=True)]
    return fixture


def _assert_on_time(measured: float, recorded: float, speed: float) -> None:
    """Never early (the replay cannot send ahead of time); late by what a busy machine adds."""
    assert recorded / speed - 0.005 <= measured <= recorded / speed + 0.06, (measured, recorded)


@pytest.mark.parametrize("speed", [20.0, 10.0])
def test_at_a_recorded_pace_the_times_follow_the_recording(speed):
    timing = measure(client_for(_paced_fixture(), speed=speed), stream=True, **ARGUMENTS)
    _assert_on_time(timing.ttft, 1.00, speed)
    _assert_on_time(timing.total, 2.00, speed)
    for measured, recorded in zip(timing.delta_times, [1.00, 1.40, 1.70, 1.95], strict=True):
        _assert_on_time(measured, recorded, speed)


def test_ameasure_matches_measure():
    async def main():
        client = async_client_for(*fixtures())
        return (
            await ameasure(client, stream=True, **ARGUMENTS),
            await ameasure(client, stream=False, **ARGUMENTS),
        )

    streamed, non_streamed = asyncio.run(main())
    _assert_consistent_streamed(streamed)
    assert non_streamed.ttft == non_streamed.total and not non_streamed.streamed


def test_ameasure_at_a_recorded_pace():
    async def main():
        return await ameasure(
            async_client_for(_paced_fixture(), speed=20), stream=True, **ARGUMENTS
        )

    timing = asyncio.run(main())
    _assert_on_time(timing.ttft, 1.00, speed=20)
    _assert_on_time(timing.total, 2.00, speed=20)


def test_compare_holds_both_and_reports_a_table(capsys):
    comparison = compare(client_for(*fixtures()), **ARGUMENTS)
    assert isinstance(comparison, Comparison)
    assert not comparison.non_streamed.streamed and comparison.streamed.streamed
    assert comparison.non_streamed.delta_chars == [sum(comparison.streamed.delta_chars)]
    comparison.report()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["claude-haiku-5-5", "not", "streamed", "streamed"]
    assert lines[1].startswith("time to first text")
    assert len({len(line) for line in lines}) == 1  # the columns line up
    assert str(comparison) == "\n".join(lines)


def test_acompare():
    comparison = asyncio.run(acompare(async_client_for(*fixtures()), **ARGUMENTS))
    assert comparison.streamed.ttft <= comparison.streamed.total


def test_a_timing_table_in_japanese(monkeypatch):
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    table = str(compare(client_for(*fixtures()), **ARGUMENTS))
    assert "最初のテキストまで" in table and "ストリーミング" in table


def test_a_broken_stream_is_timed_and_marked_incomplete(capsys):
    fixture = text_fixture(["Half", " a reply"], req=STREAMED, fault="disconnect")
    timing = measure(client_for(fixture), stream=True, **ARGUMENTS)
    assert not timing.complete and timing.delta_chars == [4, 8]
    timing.report()
    assert "did not complete" in capsys.readouterr().out


def test_a_timing_lays_out_what_the_reader_recorded():
    """`Timing` measures nothing itself: its figures are the stream outcome's."""
    reader = read_events(client_for(_paced_fixture()).messages.create(**STREAMED))
    events = list(reader)
    outcome = reader.outcome
    timing = Timing.of_outcome(outcome, model="unused")
    texts = [event for event in events if event.text]
    assert timing.ttft == outcome.first_text_at == texts[0].at
    assert timing.delta_times == [event.at for event in texts]
    assert timing.delta_chars == [len(event.text) for event in texts]
    assert timing.total == outcome.elapsed >= events[-1].at
    assert timing.tokens_per_second == outcome.tokens_per_second
    assert timing.model == outcome.message.model and timing.complete


def test_a_timing_of_a_reply_without_text_waits_the_whole_time():
    fixture = text_fixture([], req=STREAMED, fault="truncate")
    timing = measure(client_for(fixture), stream=True, **ARGUMENTS)
    assert timing.ttft == timing.total > 0 and timing.delta_times == [] and not timing.complete
