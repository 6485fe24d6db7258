"""When the API cannot be reached, the gateway answers from the course's recordings, labelled.

The gateway runs in this process (uvicorn in a thread) with an upstream on a port nothing
listens on; the students are real `anthropic` clients.
"""

from __future__ import annotations

import asyncio
import logging

import anthropic
import pytest

from streaming_course.classroom.app import Gateway, GatewaySettings, build_app
from streaming_course.classroom.offline import OfflineAnswers
from streaming_course.classroom.tokens import new_tokens
from streaming_course.config import load_settings
from streaming_course.i18n import message
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.transport import REPLAY_HEADER
from streaming_course.web.server import BackgroundServer, free_port
from tests.classroom_gateway import SECRET_KEY

LOGGER = logging.getLogger("streaming_course.classroom")


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def library():
    return FixtureLibrary.from_dirs(load_settings().fixture_dirs)


@pytest.fixture(scope="module")
def offline_gateway(library):
    lines = Lines()
    LOGGER.addHandler(lines)
    LOGGER.setLevel(logging.INFO)
    students = {token: name for name, token in new_tokens(2)}
    settings = GatewaySettings(
        students=students,
        api_key=SECRET_KEY,
        instructor_token="instructor-token-for-tests",
        upstream=f"http://127.0.0.1:{free_port()}",  # nothing listens there
    )
    gateway = Gateway(settings, OfflineAnswers(library, speed=0))
    with BackgroundServer(build_app(gateway)) as server:
        yield server.url, gateway, dict(zip(students.values(), students, strict=True)), lines
    LOGGER.removeHandler(lines)


def streamed_text(base_url: str, token: str, request: dict) -> tuple[str, dict, str | None]:
    async def ask():
        async with anthropic.AsyncAnthropic(
            api_key=token, base_url=base_url, max_retries=0
        ) as client:
            response = await client.messages.with_raw_response.create(**request)
            text, stop = "", None
            async for event in await response.parse():
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    text += event.delta.text
                elif event.type == "message_delta":
                    stop = event.delta.stop_reason
            return text, dict(response.headers), stop

    return asyncio.run(asyncio.wait_for(ask(), 20))


def test_a_lesson_prompt_gets_its_recording_labelled_as_replay(offline_gateway, library):
    url, gateway, tokens, lines = offline_gateway
    fixture = next(f for f in library.fixtures if f.name == "hello" and f.request.get("stream"))
    recorded = "".join(
        e.data["delta"].get("text", "") for e in fixture.events if e.type == "content_block_delta"
    )
    text, headers, stop = streamed_text(url, tokens["student01"], fixture.request)
    assert text == recorded and stop == "end_turn"
    assert headers[REPLAY_HEADER] == "hello" and headers["x-classroom-replay"] == "1"
    assert any(
        line == message("classroom.log_offline", upstream=gateway.settings.upstream)
        for line in lines.lines
    )


def test_any_other_prompt_gets_a_reply_that_says_it_is_a_replay(offline_gateway):
    url, gateway, tokens, _ = offline_gateway
    request = {
        "model": "claude-haiku-5-5",
        "max_tokens": 400,
        "stream": True,
        "messages": [{"role": "user", "content": "Something no lesson asks"}],
    }
    text, headers, stop = streamed_text(url, tokens["student02"], request)
    assert text == message("classroom.offline_reply") and stop == "end_turn"
    assert headers[REPLAY_HEADER] == "classroom-offline"
    tally = next(s for s in gateway.roster.snapshot() if s["name"] == "student02")
    assert tally["replayed"] == 1 and tally["error"] == 0 and tally["active"] == 0
    assert tally["output_tokens"] > 0  # usage is read from the replayed stream too


def test_counting_tokens_offline_is_an_estimate_labelled_as_such(offline_gateway):
    url, _, tokens, _ = offline_gateway

    async def count():
        async with anthropic.AsyncAnthropic(
            api_key=tokens["student01"], base_url=url, max_retries=0
        ) as client:
            response = await client.messages.with_raw_response.count_tokens(
                model="claude-haiku-5-5", messages=[{"role": "user", "content": "Hello there"}]
            )
            return (await response.parse()).input_tokens, response.headers[REPLAY_HEADER]

    tokens_counted, label = asyncio.run(count())
    assert tokens_counted > 0 and label == "classroom-count-estimate"


def test_the_instructor_page_says_the_room_is_on_replay(offline_gateway):
    import httpx2

    url, gateway, _, _ = offline_gateway
    page = httpx2.get(
        f"{url}/classroom/status", params={"token": gateway.settings.instructor_token}
    )
    assert message("classroom.page_replaying") in page.text
    assert SECRET_KEY not in page.text
