"""Which recording a request gets: content matching, the model rule, misses, sequences."""

from __future__ import annotations

from functools import partial

import anthropic
import httpx2
import pytest

from streaming_course.replay.fallback import fallback_fixture
from streaming_course.replay.library import FixtureLibrary, ReplayMiss
from streaming_course.replay.synth import TextBlock, http_error, synthesize
from streaming_course.replay.transport import ReplayTransport


def _request(prompt: str, model: str = "claude-haiku-5-5", **extra) -> dict:
    return {
        "model": model,
        "max_tokens": 200,
        "stream": True,
        "messages": [{"role": "user", "content": prompt}],
        **extra,
    }


def _library(*fixtures):
    for number, fixture in enumerate(fixtures):
        fixture.path = fixture.path or __import__("pathlib").Path(f"f{number}.sse")
    return FixtureLibrary(fixtures)


def _client(library: FixtureLibrary, strict: bool) -> anthropic.Anthropic:
    transport = ReplayTransport(library, speed=0, strict=strict, fallback=fallback_fixture)
    return anthropic.Anthropic(
        api_key="x", http_client=httpx2.Client(transport=transport), max_retries=0
    )


def _text(client, request) -> str:
    return "".join(
        e.delta.text for e in client.messages.create(**request) if e.type == "content_block_delta"
    )


def test_the_model_is_ignored_unless_strict():
    library = _library(synthesize(_request("Hi"), [TextBlock("Hello!")]))
    other_model = _request("Hi", model="claude-sonnet-5-5")
    assert _text(_client(library, strict=False), other_model) == "Hello!"
    with pytest.raises(ReplayMiss, match="differs in the model"):
        library.find(other_model, strict=True)


def test_the_recording_of_the_requested_model_wins():
    small = synthesize(_request("Hi"), [TextBlock("small")])
    large = synthesize(_request("Hi", model="claude-opus-5-5"), [TextBlock("large")])
    client = _client(_library(small, large), strict=True)
    assert _text(client, _request("Hi", model="claude-opus-5-5")) == "large"
    assert _text(client, _request("Hi")) == "small"


def test_string_and_block_content_match_the_same_recording():
    library = _library(synthesize(_request("Hi"), [TextBlock("Hello!")]))
    as_blocks = _request("x")
    as_blocks["messages"] = [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert library.find(as_blocks, strict=True) is not None


def test_a_strict_miss_names_the_closest_fixtures():
    library = _library(
        synthesize(_request("Write a haiku about rain"), [TextBlock("...")]),
        synthesize(_request("Something else entirely"), [TextBlock("...")]),
    )
    client = _client(library, strict=True)
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(**_request("Write a haiku about snow"))
    message = str(caught.value)
    assert "No replay fixture matches" in message
    assert message.index("f0") < message.index("f1")  # closest first
    assert "differs in your message" in message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"system": "Answer like a pirate."}, "the system prompt differs"),
        (
            {
                "messages": [
                    {"role": "user", "content": "Earlier question"},
                    {"role": "assistant", "content": "Earlier answer"},
                    {"role": "user", "content": "Write a haiku about rain"},
                ]
            },
            "the history differs",
        ),
    ],
)
def test_a_miss_names_what_differs_even_with_max_tokens_16(change, words):
    recorded = _request("Write a haiku about rain", system="Be brief.")
    library = _library(synthesize(recorded, [TextBlock("Rain on the tin roof...")]))
    transport = ReplayTransport(
        library, speed=0, strict=False, fallback=partial(fallback_fixture, library=library)
    )
    client = anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))
    text = _text(client, {**recorded, "max_tokens": 16, **change})
    assert text.startswith("Replay: no recording;")
    assert words in text


def test_a_default_miss_gets_a_labelled_fallback_reply():
    client = _client(_library(synthesize(_request("Hi"), [TextBlock("Hello!")])), strict=False)
    text = _text(client, _request("A question nobody recorded"))
    assert text.startswith("This is a replayed reply, not a real one")
    assert "ANTHROPIC_API_KEY" in text
    message = client.messages.create(**{**_request("Also unrecorded"), "stream": False})
    assert message.content[0].text == text  # the non-streamed fallback says the same


def test_several_recordings_of_one_request_are_served_in_turn():
    request = _request("Busy?")
    library = _library(
        http_error(request, 429, "rate_limit_error", "Slow down", retry_after_ms=10),
        synthesize(request, [TextBlock("Now I can answer.")]),
    )
    transport = ReplayTransport(library, speed=0, strict=True)
    client = anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))
    assert _text(client, request) == "Now I can answer."  # the SDK retried after the 429
    no_retry = client.with_options(max_retries=0)
    with pytest.raises(anthropic.RateLimitError):
        _text(no_retry, request)
