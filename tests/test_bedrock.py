"""The Bedrock appendix: frames, both replays through the real clients, the adapter, doctor."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import anthropic
import boto3
import httpx2
import pytest
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError
from hypothesis import given, settings
from hypothesis import strategies as st

from streaming_course.bedrock import (
    converse_events,
    load_bedrock_settings,
    make_bedrock_client,
    make_converse_client,
    measure_converse,
    print_converse_events,
    print_converse_text,
)
from streaming_course.bedrock.client import REPLAY_CREDENTIAL
from streaming_course.bedrock.converse import CONVERSE, converse_event, synthesize_converse
from streaming_course.bedrock.eventstream import encode_frame, event_frame
from streaming_course.bedrock.replay import (
    METRICS_FIELD,
    BedrockReplayTransport,
    ConverseReplay,
    bedrock_fallback,
    converse_fallback,
)
from streaming_course.bedrock.settings import DEFAULT_BEDROCK_MODEL
from streaming_course.config import PACKAGE_FIXTURES
from streaming_course.doctor import bedrock_status
from streaming_course.i18n import message
from streaming_course.maintain.converse_sources import (
    outdated_converse_fixtures,
    plan_converse_fixtures,
)
from streaming_course.maintain.sources import plan_fixtures
from streaming_course.replay.fixture import Fixture, parse_fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import Fault, TextBlock, synthesize
from streaming_course.replay.transport import ReplayTransport

MODEL = DEFAULT_BEDROCK_MODEL
REPLY = "Fog forms when moist air cools until its water vapour condenses into droplets."


def messages_request(prompt: str = "Why does fog form?", **fields: Any) -> dict[str, Any]:
    """A Messages API request, as `AnthropicBedrock.messages.create` is called."""
    return {
        "model": MODEL,
        "max_tokens": 200,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        **fields,
    }


def converse_request(prompt: str = "Why does fog form?") -> dict[str, Any]:
    """The arguments of a ``converse_stream`` call."""
    return {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "inferenceConfig": {"maxTokens": 200},
    }


def bedrock_client(
    *fixtures: Fixture, strict: bool = True, speed: float = 0.0
) -> anthropic.AnthropicBedrock:
    transport = BedrockReplayTransport(
        FixtureLibrary(fixtures), speed=speed, strict=strict, fallback=bedrock_fallback
    )
    return anthropic.AnthropicBedrock(
        aws_region="us-east-1",
        aws_access_key="test",
        aws_secret_key="test",
        http_client=httpx2.Client(transport=transport),
        max_retries=0,
    )


SESSION = boto3.session.Session(
    aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
)
"""One session for every client: botocore loads the service's model once per session."""


def converse_client(*fixtures: Fixture, strict: bool = True, speed: float = 0.0) -> Any:
    client = SESSION.client("bedrock-runtime")
    replay = ConverseReplay(
        FixtureLibrary(fixtures, kind=CONVERSE),
        speed=speed,
        strict=strict,
        fallback=converse_fallback,
    )
    replay.register(client)
    return client


def named(fixture: Fixture, name: str) -> Fixture:
    fixture.path = Path(f"{name}.converse")
    return fixture


# --- Frames ---------------------------------------------------------------------------------

header_names = st.text(min_size=1, max_size=60)  # ≤ 240 bytes of UTF-8: fits the 1-byte length
headers = st.dictionaries(header_names, st.text(max_size=300), max_size=5)
frames = st.lists(st.tuples(headers, st.binary(max_size=2000)), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None)
@given(frames=frames, data=st.data())
def test_frames_decode_with_botocore_for_any_chunking(frames, data):
    stream = b"".join(encode_frame(h, payload) for h, payload in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    buffer = EventStreamBuffer()
    decoded = []
    for chunk in chunks:
        buffer.add_data(chunk)
        decoded += [(message.headers, message.payload) for message in buffer]
    assert decoded == frames


def test_an_event_frame_carries_the_converse_headers():
    buffer = EventStreamBuffer()
    buffer.add_data(event_frame("contentBlockStop", {"contentBlockIndex": 0}))
    assert next(buffer).headers == {
        ":event-type": "contentBlockStop",
        ":content-type": "application/json",
        ":message-type": "event",
    }


# --- converse_stream replay -----------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _warm_up_botocore():
    """botocore's first call loads models and endpoint rules (≈ 0.5 s once per process)."""
    fixture = synthesize_converse(converse_request(), REPLY)
    list(converse_client(fixture).converse_stream(**converse_request())["stream"])


def _retimed(fixture: Fixture, offsets: list[float]) -> Fixture:
    assert len(fixture.events) <= len(offsets), len(fixture.events)
    fixture.events = [
        converse_event(offsets[i], event.type, event.data) for i, event in enumerate(fixture.events)
    ]
    return fixture


def test_converse_replay_yields_the_recorded_events_at_their_recorded_times():
    fixture = _retimed(
        synthesize_converse(converse_request(), "Fog is a cloud at ground level."),
        [0.40, 0.45, 0.52, 0.70, 0.72, 0.90, 0.91, 0.95, 1.00, 1.05],
    )
    client = converse_client(fixture, speed=1.0)
    started = time.monotonic()
    arrivals, events = [], []
    for event in client.converse_stream(**converse_request())["stream"]:
        arrivals.append(time.monotonic() - started)
        events.append(event)
    assert events == [{event.type: event.data} for event in fixture.events]
    for got, want in zip(arrivals, [event.at for event in fixture.events], strict=True):
        assert abs(got - want) <= max(0.05 * want, 0.020), (got, want)


def test_converse_metadata_counts_the_tokens_and_the_latency():
    fixture = synthesize_converse(converse_request(), REPLY)
    events = list(converse_client(fixture).converse_stream(**converse_request())["stream"])
    assert list(events[0]) == ["messageStart"] and list(events[-1]) == ["metadata"]
    usage = events[-1]["metadata"]["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert events[-1]["metadata"]["metrics"]["latencyMs"] == round(fixture.duration * 1000)
    assert events[-2] == {"messageStop": {"stopReason": "end_turn"}}


def _throttled() -> Fixture:
    fault = Fault("error", after_tokens=6, error_type="throttlingException", message="Slow down.")
    return synthesize_converse(converse_request(), REPLY, fault=fault)


def test_an_exception_frame_raises_event_stream_error_after_the_partial_text():
    stream = converse_client(_throttled()).converse_stream(**converse_request())["stream"]
    texts = []
    with pytest.raises(EventStreamError, match="throttlingException"):
        for event in stream:
            texts += (
                [event["contentBlockDelta"]["delta"]["text"]]
                if "contentBlockDelta" in event
                else []
            )
    assert texts and REPLY.startswith("".join(texts))


def test_the_printer_shows_the_partial_text_and_one_clear_line(capsys):
    outcome = print_converse_text(
        converse_client(_throttled()).converse_stream(**converse_request())
    )
    partial = outcome.text
    assert outcome.ending == "error_event" and partial and REPLY.startswith(partial)
    expected_line = message(
        "bedrock.exception",
        chars=len(partial),
        exception="throttlingException",
        detail="Slow down.",
    )
    assert capsys.readouterr().out == f"{partial}\n{expected_line}\n"


def test_a_complete_converse_stream_reads_like_any_other(capsys):
    fixture = synthesize_converse(converse_request(), REPLY)
    client = converse_client(fixture)
    outcome = print_converse_text(client.converse_stream(**converse_request()))
    assert capsys.readouterr().out == REPLY + "\n"
    assert outcome.complete and outcome.stop_reason == "end_turn"
    metadata = fixture.events[-1].data["usage"]
    assert outcome.usage.input_tokens == metadata["inputTokens"]
    assert outcome.usage.output_tokens == metadata["outputTokens"]
    print_converse_events(client.converse_stream(**converse_request()), color=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == [event.type for event in fixture.events]


def test_measure_converse_times_the_first_text():
    fixture = _retimed(
        synthesize_converse(converse_request(), "Fog is a cloud at ground level."),
        [0.10, 0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.42, 0.44],
    )
    timing = measure_converse(converse_client(fixture, speed=1.0), **converse_request())
    assert abs(timing.ttft - 0.30) <= 0.03
    assert timing.complete and timing.output_tokens > 0 and timing.model == MODEL


def test_a_tool_call_becomes_a_tool_use_block():
    start = {"start": {"toolUse": {"toolUseId": "t1", "name": "tide_table"}}}
    events = [
        ("messageStart", {"role": "assistant"}),
        ("contentBlockStart", {**start, "contentBlockIndex": 0}),
        (
            "contentBlockDelta",
            {"delta": {"toolUse": {"input": '{"port": '}}, "contentBlockIndex": 0},
        ),
        (
            "contentBlockDelta",
            {"delta": {"toolUse": {"input": '"Brest"}'}}, "contentBlockIndex": 0},
        ),
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": "tool_use"}),
    ]
    fixture = Fixture(
        request=converse_request(),
        events=[converse_event(0.01 * n, name, data) for n, (name, data) in enumerate(events)],
    )
    reader = converse_events(converse_client(fixture).converse_stream(**converse_request()))
    assert [event.type for event in reader] == [name for name, _ in events]
    (block,) = reader.outcome.message.content
    assert (block.type, block.name, block.input) == ("tool_use", "tide_table", {"port": "Brest"})
    assert reader.outcome.stop_reason == "tool_use" and reader.outcome.text == ""


@pytest.mark.parametrize(("kind", "ending"), [("disconnect", "dropped"), ("truncate", "truncated")])
def test_a_broken_converse_stream_says_how_it_ended(kind, ending):
    fixture = synthesize_converse(converse_request(), REPLY, fault=Fault(kind, after_tokens=5))
    fixture.dropped_at = fixture.dropped_at and fixture.events[-1].at  # no need to wait
    reader = converse_events(converse_client(fixture).converse_stream(**converse_request()))
    text = "".join(event.text for event in reader)
    assert reader.outcome.ending == ending and reader.outcome.text == text
    assert str(len(text)) in reader.outcome.description


def test_strict_converse_miss_names_the_closest_recordings():
    client = converse_client(named(synthesize_converse(converse_request(), REPLY), "fog"))
    with pytest.raises(ClientError, match=r"No Converse fixture matches.*fog") as error:
        client.converse_stream(**converse_request("Something else"))
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert message("miss.field_user_text") in str(error.value)  # and says what differs


def test_repeated_converse_recordings_are_served_in_turn():
    """As for the Messages API: a throttled stream, then the retry's complete one, then again."""
    throttled = named(_throttled(), "throttled")
    complete = named(synthesize_converse(converse_request(), REPLY), "complete")
    client = converse_client(throttled, complete)
    endings = [converse_events(client.converse_stream(**converse_request())) for _ in range(3)]
    texts = ["".join(event.text for event in reader) for reader in endings]
    assert [reader.outcome.ending for reader in endings] == [
        "error_event",
        "complete",
        "error_event",
    ]
    assert texts[1] == REPLY and REPLY.startswith(texts[0]) and texts[0] != REPLY


def test_default_converse_miss_gets_the_labelled_fallback():
    client = converse_client(strict=False)
    outcome = converse_events(client.converse_stream(**converse_request("Something else")))
    assert "".join(event.text for event in outcome) == message("bedrock.fallback_reply")
    assert outcome.outcome.complete


def test_calls_other_than_converse_stream_get_a_clear_error():
    with pytest.raises(ClientError, match="converse_stream only"):
        converse_client().converse(**converse_request())


# --- AnthropicBedrock replay ----------------------------------------------------------------


def test_anthropic_bedrock_gives_the_same_stream_as_the_messages_api():
    fixture = synthesize(messages_request(), [TextBlock(REPLY)], seed="fog")
    direct = anthropic.Anthropic(
        api_key="test",
        http_client=httpx2.Client(transport=ReplayTransport(FixtureLibrary([fixture]), speed=0)),
    )
    via_bedrock = bedrock_client(fixture)
    events = [event.type for event in via_bedrock.messages.create(**messages_request())]
    assert events == [event.type for event in direct.messages.create(**messages_request())]
    request = {name: value for name, value in messages_request().items() if name != "stream"}
    with via_bedrock.messages.stream(**request) as stream:
        assert stream.get_final_text() == REPLY


def test_the_last_event_carries_the_invocation_metrics():
    fixture = synthesize(messages_request(), [TextBlock(REPLY)], seed="fog")
    *_, last = bedrock_client(fixture).messages.create(**messages_request())
    metrics = last.model_extra[METRICS_FIELD]
    usage = fixture.events[0].data["message"]["usage"]
    assert last.type == "message_stop"
    assert metrics["inputTokenCount"] == usage["input_tokens"]
    assert metrics["firstByteLatency"] == round(fixture.events[0].at * 1000)
    assert metrics["invocationLatency"] == round(fixture.duration * 1000)


def test_anthropic_bedrock_replays_asynchronously_too():
    fixture = synthesize(messages_request(), [TextBlock(REPLY)], seed="fog")
    transport = BedrockReplayTransport(FixtureLibrary([fixture]), speed=0, strict=True)
    client = anthropic.AsyncAnthropicBedrock(
        aws_region="us-east-1",
        aws_access_key="test",
        aws_secret_key="test",
        http_client=httpx2.AsyncClient(transport=transport),
    )

    async def text() -> str:
        stream = await client.messages.create(**messages_request())
        return "".join([e.delta.text async for e in stream if e.type == "content_block_delta"])

    assert asyncio.run(text()) == REPLY


def test_an_error_event_reaches_anthropic_bedrock_as_a_bedrock_exception():
    fixture = synthesize(messages_request(), [TextBlock(REPLY)], fault=Fault("error", 5))
    request = {name: value for name, value in messages_request().items() if name != "stream"}
    with (
        pytest.raises(anthropic.APIStatusError, match="modelStreamErrorException"),
        bedrock_client(fixture).messages.stream(**request) as stream,
    ):
        for _ in stream:
            pass
    assert REPLY.startswith(stream.current_message_snapshot.content[0].text)


def test_non_streamed_invoke_is_replayed():
    fixture = synthesize(messages_request(stream=False), [TextBlock(REPLY)])
    reply = bedrock_client(fixture).messages.create(**messages_request(stream=False))
    assert reply.content[0].text == REPLY


def test_strict_bedrock_miss_is_a_clear_error():
    client = bedrock_client(synthesize(messages_request(), [TextBlock(REPLY)]))
    with pytest.raises(anthropic.NotFoundError, match="No replay fixture matches"):
        client.messages.create(**messages_request("Something else"))


def test_default_bedrock_miss_gets_the_labelled_fallback():
    client = bedrock_client(strict=False)
    stream = client.messages.create(**messages_request("Something else"))
    text = "".join(e.delta.text for e in stream if e.type == "content_block_delta")
    assert text == message("bedrock.fallback_reply")


# --- Clients, settings, shipped fixtures, doctor --------------------------------------------

REPLAY_ENV = {"STREAMING_COURSE_MODE": "replay", "STREAMING_COURSE_REPLAY_SPEED": "0"}


@pytest.fixture
def replay_env(monkeypatch):
    for name, value in {**REPLAY_ENV, "STREAMING_COURSE_REPLAY_STRICT": "1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("STREAMING_COURSE_BEDROCK_MODE", raising=False)
    monkeypatch.delenv("STREAMING_COURSE_BEDROCK_MODEL", raising=False)


def test_the_shipped_fixtures_serve_the_appendix(replay_env, capsys):
    settings = load_bedrock_settings()
    client = make_bedrock_client(settings)
    bread = next(f for path, f in plan_fixtures() if path.stem == "bread")
    stream = client.messages.create(**bread.request)
    assert "".join(e.delta.text for e in stream if e.type == "content_block_delta")
    runtime = make_converse_client(settings)
    for path, fixture in plan_converse_fixtures():
        recorded = [{event.type: event.data} for event in fixture.events]
        events = []
        with contextlib.suppress(EventStreamError):  # the throttled one ends with it
            events += runtime.converse_stream(**fixture.request)["stream"]
        assert events == recorded[: len(events)], path
    assert "Bedrock: replay" in capsys.readouterr().out


def test_shipped_converse_fixtures_match_their_sources():
    assert plan_converse_fixtures(), "no [[converse]] exchanges found"
    assert outdated_converse_fixtures() == [], "run `streaming-course fixtures build`"
    for path in PACKAGE_FIXTURES.rglob("*.converse"):
        assert parse_fixture(path.read_text(encoding="utf-8")).request["modelId"] == MODEL


def test_replay_credentials_stay_inside_replay_mode(monkeypatch):
    monkeypatch.delenv("STREAMING_COURSE_MODE", raising=False)
    monkeypatch.setenv("STREAMING_COURSE_BEDROCK_MODE", "live")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings = load_bedrock_settings()
    client = make_bedrock_client(settings, banner=False)
    assert client.aws_region == "eu-west-3" and client.aws_access_key is None
    runtime = make_converse_client(settings, banner=False)
    assert runtime.meta.region_name == "eu-west-3"
    credentials = runtime._request_signer._credentials
    assert credentials is None or credentials.access_key != REPLAY_CREDENTIAL


def test_an_unknown_bedrock_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="use replay or live"):
        load_bedrock_settings({"STREAMING_COURSE_BEDROCK_MODE": "sometimes"})


def test_doctor_says_whether_credentials_exist_never_what_they_are(monkeypatch):
    secret = "wJalrXUtnFEMI-not-a-real-secret"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOTAREALKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    rows = dict(bedrock_status())
    assert rows[message("bedrock.status_credentials")] == message("bedrock.status_yes")
    assert rows[message("bedrock.status_region")] == "ap-northeast-1"
    assert "boto3" in rows
    assert not any(secret in value or "AKIANOTAREALKEY" in value for value in rows.values())
