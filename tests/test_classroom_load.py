"""Thirty students at once through the classroom gateway, against a stand-in API that misbehaves.

The gateway runs as `streaming-course classroom serve` in its own process; the students are
real `anthropic` async clients (one made by the course's own `make_async_client`, from
``ANTHROPIC_BASE_URL`` and ``ANTHROPIC_API_KEY`` alone). The stand-in (tests/fake_api.py)
streams with real delays, rate-limits, and fails some turns on purpose.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass

import anthropic
import httpx2
import pytest

from streaming_course.client import make_async_client
from streaming_course.i18n import message
from tests.classroom_gateway import SECRET_KEY, running_gateway
from tests.fake_api import FakeAPI, reply_text, serve_fake_api

STUDENTS = 30
DIRECT_STUDENTS = 10
DIRECT_TURNS = 4  # the baseline's turns spread over the whole run
TURNS = 2
MODEL = "claude-haiku-5-5"
# The first event must reach the student before the stand-in has sent this share of the stream.
FIRST_BYTE_SHARE = 0.5
LOAD_TIMEOUT = 45.0


def planned_mode(index: int, turn: int) -> str:
    """Which failure a turn meets: 6 overloads (retried), 4 error events, 4 drops in 60 turns."""
    k = index * TURNS + turn
    if k % 10 == 3:
        return "overload"
    if k % 15 == 7:
        return "error"
    if k % 15 == 11:
        return "drop"
    return "ok"


@dataclass
class TurnResult:
    student: str
    turn: int
    mode: str
    text: str = ""
    complete: bool = False
    error: anthropic.APIError | None = None
    message_id: str = ""
    first_event_at: float | None = None
    last_event_at: float | None = None


async def run_turn(client: anthropic.AsyncAnthropic, student: str, turn: int, mode: str):
    result = TurnResult(student, turn, mode)
    try:
        stream = await client.messages.create(
            model=MODEL,
            max_tokens=256,
            stream=True,
            messages=[{"role": "user", "content": f"{student} turn {turn} {mode}"}],
        )
        async for event in stream:
            result.last_event_at = time.monotonic()
            if result.first_event_at is None:
                result.first_event_at = result.last_event_at
            if event.type == "message_start":
                result.message_id = event.message.id
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                result.text += event.delta.text
            elif event.type == "message_stop":
                result.complete = True
    except anthropic.APIError as error:
        result.error = error
    return result


async def run_student(client, student: str, index: int, turns: int, plan=planned_mode):
    async with client:
        return [await run_turn(client, student, turn, plan(index, turn)) for turn in range(turns)]


def first_byte_delays(results: list[TurnResult], api: FakeAPI) -> list[float]:
    """Seconds from the stand-in's first byte to the student's first event, per complete turn."""
    sent = {seen.message_id: seen.first_byte_at for seen in api.requests if seen.message_id}
    return [r.first_event_at - sent[r.message_id] for r in results if r.complete]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@pytest.fixture(scope="module")
def fake_api():
    with serve_fake_api(FakeAPI(SECRET_KEY, max_streams=32)) as api:
        yield api


@pytest.fixture(scope="module")
def gateway(fake_api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classroom-load")
    options = ("--rpm", "120", "--concurrent", "1", "--budget", "0")
    with running_gateway(folder, fake_api.url, *options, students=STUDENTS) as running:
        yield running


def test_thirty_students_at_once(gateway, fake_api, monkeypatch, tmp_path, capsys):
    names = list(gateway.tokens)
    # One student's client comes from the course's own live mode: only the base URL and a key.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STREAMING_COURSE_MODE", "live")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", gateway.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", gateway.tokens[names[0]])
    course_client = make_async_client(banner=False, max_retries=6)
    assert str(course_client.base_url).startswith(gateway.url)

    tls = httpx2.create_ssl_context()  # loaded once: each client loading it costs ~0.2 s of CPU

    def client_for(name: str, base_url: str, key: str) -> anthropic.AsyncAnthropic:
        http_client = httpx2.AsyncClient(verify=tls)
        return anthropic.AsyncAnthropic(
            api_key=key, base_url=base_url, max_retries=6, http_client=http_client
        )

    async def everyone():
        # Beside the thirty, a few students go straight to the stand-in: the baseline, measured
        # in the same run under the same load.
        through = [
            run_student(
                course_client if i == 0 else client_for(n, gateway.url, gateway.tokens[n]),
                n,
                i,
                TURNS,
            )
            for i, n in enumerate(names)
        ]
        direct = [
            run_student(
                client_for(n, fake_api.url, SECRET_KEY), f"direct{i:02d}", i, DIRECT_TURNS, _ok
            )
            for i, n in enumerate(names[:DIRECT_STUDENTS])
        ]
        results = await asyncio.gather(*through, *direct)
        return results[STUDENTS:], results[:STUDENTS]

    started = time.monotonic()
    direct_results, results = asyncio.run(asyncio.wait_for(everyone(), LOAD_TIMEOUT))
    elapsed = time.monotonic() - started
    turns = [turn for student in results for turn in student]
    direct_turns = [turn for student in direct_results for turn in student]
    assert len(turns) == STUDENTS * TURNS

    # Every turn ended complete or with a clear error, and no reply went to the wrong student.
    dropped_text = message("classroom.upstream_dropped", language="en")
    for turn in turns:
        expected = reply_text(turn.student, turn.turn, fake_api.words)
        if turn.mode in ("ok", "overload"):
            assert turn.complete and turn.error is None, (turn.student, turn.turn, turn.error)
            assert turn.text == expected
        else:
            assert not turn.complete and isinstance(turn.error, anthropic.APIStatusError)
            assert expected.startswith(turn.text)
            assert turn.text.startswith(f"Reply to {turn.student} turn {turn.turn}:")
            kind = "overloaded_error" if turn.mode == "error" else "api_error"
            assert turn.error.body["error"]["type"] == kind
            if turn.mode == "drop":
                assert turn.error.body["error"]["message"] == dropped_text
    complete = sum(turn.complete for turn in turns)
    errored = sum(turn.error is not None for turn in turns)
    assert (complete, errored) == (52, 8)

    # No stream was held back whole: each student's first event arrived before the stand-in
    # had sent half of that stream, and the events kept arriving over the stream's duration.
    through_delays = first_byte_delays(turns, fake_api)
    direct_delays = first_byte_delays(direct_turns, fake_api)
    assert len(through_delays) == complete and len(direct_delays) == DIRECT_STUDENTS * DIRECT_TURNS
    served = {seen.message_id: seen for seen in fake_api.requests if seen.message_id}
    for turn in turns:
        if turn.complete:
            upstream = served[turn.message_id]
            upstream_seconds = upstream.last_byte_at - upstream.first_byte_at
            delay = turn.first_event_at - upstream.first_byte_at
            assert delay < FIRST_BYTE_SHARE * upstream_seconds, (turn.student, delay)
            assert turn.last_event_at - turn.first_event_at > 0.5 * upstream_seconds

    # The gateway's tallies add up, student by student, with what the stand-in saw.
    for tally in gateway.status()["students"]:
        seen = fake_api.by_student(tally["name"])
        outcomes = [s.outcome for s in seen]
        ended = sum(tally[outcome] for outcome in ("complete", "error", "stopped", "replayed"))
        assert tally["active"] == 0 and tally["requests"] == ended == len(seen)
        assert tally["complete"] == outcomes.count("complete")
        assert tally["complete"] == sum(t.complete for t in turns if t.student == tally["name"])
        assert tally["error"] == len(seen) - outcomes.count("complete")
        assert tally["output_tokens"] == sum(s.output_tokens for s in seen)
        assert tally["refused"] == 0
    assert SECRET_KEY not in gateway.log()

    added_median = statistics.median(through_delays) - statistics.median(direct_delays)
    added_p95 = percentile(through_delays, 0.95) - percentile(direct_delays, 0.95)
    with capsys.disabled():
        print(
            f"\n[classroom load] {STUDENTS} students × {TURNS} turns in {elapsed:.1f} s: "
            f"{complete} complete, {errored} clear errors; upstream requests "
            f"{sum(len(fake_api.by_student(n)) for n in names)}; first byte after the stand-in's: "
            f"through the gateway median {statistics.median(through_delays) * 1000:.1f} ms, "
            f"p95 {percentile(through_delays, 0.95) * 1000:.1f} ms; direct median "
            f"{statistics.median(direct_delays) * 1000:.1f} ms, "
            f"p95 {percentile(direct_delays, 0.95) * 1000:.1f} ms; added by the gateway: "
            f"median {added_median * 1000:.1f} ms, p95 {added_p95 * 1000:.1f} ms"
        )


def _ok(index: int, turn: int) -> str:
    return "ok"


def test_a_student_who_stops_reading_is_counted_and_the_upstream_closed(gateway, fake_api):
    name = list(gateway.tokens)[-1]

    async def stop_early():
        async with anthropic.AsyncAnthropic(
            api_key=gateway.tokens[name], base_url=gateway.url, max_retries=0
        ) as client:
            stream = await client.messages.create(
                model=MODEL,
                max_tokens=256,
                stream=True,
                messages=[{"role": "user", "content": f"{name} turn 9 slow"}],
            )
            async for event in stream:
                if event.type == "content_block_delta":
                    break
            await stream.close()

    before = gateway.tally(name)
    asyncio.run(asyncio.wait_for(stop_early(), 20))
    deadline = time.monotonic() + 10
    while gateway.tally(name)["active"] and time.monotonic() < deadline:
        time.sleep(0.05)
    after = gateway.tally(name)
    assert after["stopped"] == before["stopped"] + 1 and after["active"] == 0
    while fake_api.by_student(name)[-1].outcome == "" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_api.by_student(name)[-1].outcome == "client_gone"  # the gateway hung up too
