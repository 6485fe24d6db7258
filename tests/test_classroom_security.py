"""What the classroom gateway refuses, and that the real key never reaches a student.

The gateway runs as `streaming-course classroom serve` with a fake, distinctive key; every
response a test receives is kept, and at the end it and the gateway's log are searched for
the key. The stand-in API (tests/fake_api.py) counts requests, so "nothing was forwarded"
is checked, not assumed.
"""

from __future__ import annotations

import asyncio
import json

import anthropic
import httpx2
import pytest

from streaming_course.i18n import message
from tests.classroom_gateway import HTTP, SECRET_KEY, running_gateway
from tests.fake_api import FakeAPI, reply_text, serve_fake_api

MODEL = "claude-haiku-5-5"
RECEIVED: list[str] = []  # every status line, header and body a test got back


@pytest.fixture(scope="module")
def fake_api():
    with serve_fake_api(FakeAPI(SECRET_KEY)) as api:
        yield api


@pytest.fixture(scope="module")
def gateway(fake_api, tmp_path_factory):
    folder = tmp_path_factory.mktemp("classroom-security")
    options = ("--rpm", "3", "--concurrent", "1", "--budget", "20", "--max-body-mb", "0.05")
    with running_gateway(folder, fake_api.url, *options, students=8) as running:
        yield running


def student(gateway, number: int) -> tuple[str, str]:
    name = f"student{number:02d}"
    return name, gateway.tokens[name]


def post(gateway, path: str = "/v1/messages", **options) -> httpx2.Response:
    options.setdefault("json", _request("nobody turn 0 ok"))
    response = HTTP.post(gateway.url + path, **options)
    _keep(response)
    return response


def _request(prompt: str, stream: bool = True) -> dict:
    return {
        "model": MODEL,
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": prompt}],
    }


def _keep(response: httpx2.Response) -> None:
    RECEIVED.append(f"{response.status_code} {response.reason_phrase}")
    RECEIVED.extend(f"{name}: {value}" for name, value in response.headers.multi_items())
    RECEIVED.append(response.text)


def assert_one_line_error(response: httpx2.Response, status: int, error_type: str) -> str:
    assert response.status_code == status
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == error_type
    text = body["error"]["message"]
    assert text and "\n" not in text
    return text


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no token at all
        {"x-api-key": "class-not-a-real-token-1234"},
        {"authorization": "Bearer class-not-a-real-token-1234"},
        {"authorization": "Basic c3R1ZGVudDAxOnNlY3JldA=="},
    ],
    ids=["missing", "wrong-x-api-key", "wrong-bearer", "wrong-scheme"],
)
def test_a_missing_or_wrong_token_gets_401_and_nothing_is_forwarded(gateway, fake_api, headers):
    before = fake_api.count()
    response = post(gateway, headers=headers)
    text = assert_one_line_error(response, 401, "authentication_error")
    assert "class-not-a-real-token" not in response.text  # a header value is never echoed
    assert text in (message("classroom.no_token"), message("classroom.bad_token"))
    assert fake_api.count() == before


def test_the_sdk_with_a_bad_token_raises_authentication_error(gateway, fake_api):
    before = fake_api.count()

    async def ask():
        async with anthropic.AsyncAnthropic(
            api_key="class-guessed-token-000000", base_url=gateway.url, max_retries=0
        ) as client:
            await client.messages.create(**_request("nobody turn 0 ok", stream=False))

    with pytest.raises(anthropic.AuthenticationError) as raised:
        asyncio.run(ask())
    assert raised.value.status_code == 401
    assert raised.value.body["error"]["message"] == message("classroom.bad_token")
    assert fake_api.count() == before


@pytest.mark.parametrize(
    "where", ["x-auth-token", "anthropic-api-key", "api-key", "query", "cookie"]
)
def test_a_token_in_the_wrong_place_is_refused(gateway, fake_api, where):
    _, token = student(gateway, 1)
    before = fake_api.count()
    if where == "query":
        response = post(gateway, path=f"/v1/messages?api_key={token}")
    elif where == "cookie":
        response = post(gateway, headers={"cookie": f"api_key={token}"})
    else:
        response = post(gateway, headers={where: token})
    assert_one_line_error(response, 401, "authentication_error")
    assert token not in response.text
    assert fake_api.count() == before


def test_two_different_keys_are_refused(gateway, fake_api):
    _, token = student(gateway, 1)
    _, other = student(gateway, 2)
    before = fake_api.count()
    response = post(gateway, headers={"authorization": f"Bearer {token}", "x-api-key": other})
    assert assert_one_line_error(response, 401, "authentication_error") == message(
        "classroom.two_tokens"
    )
    assert fake_api.count() == before


def test_a_huge_body_gets_413_and_nothing_is_forwarded(gateway, fake_api):
    name, token = student(gateway, 2)
    before = fake_api.count()
    huge = _request("x" * 200_000)
    response = post(gateway, json=huge, headers={"x-api-key": token})
    assert_one_line_error(response, 413, "request_too_large")
    not_json = post(gateway, content=b"not json", headers={"x-api-key": token})
    assert_one_line_error(not_json, 400, "invalid_request_error")
    assert fake_api.count() == before
    assert gateway.tally(name)["requests"] == 0


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/complete", 404),
        ("POST", "/v1/messages/batches", 404),
        ("GET", "/v1/models", 404),
        ("GET", "/v1/messages", 405),
        ("DELETE", "/v1/messages/count_tokens", 405),
        ("POST", "/", 404),
    ],
)
def test_paths_outside_the_relayed_ones_are_refused(gateway, fake_api, method, path, status):
    _, token = student(gateway, 1)
    before = fake_api.count()
    response = HTTP.request(method, gateway.url + path, headers={"x-api-key": token}, json={})
    _keep(response)
    error_type = "not_found_error" if status == 404 else "invalid_request_error"
    assert_one_line_error(response, status, error_type)
    assert fake_api.count() == before


def test_upstream_gets_the_real_key_and_never_the_students_token(gateway, fake_api):
    name, token = student(gateway, 7)
    response = post(gateway, json=_request(f"{name} turn 0 ok"), headers={"x-api-key": token})
    assert response.status_code == 200 and "message_stop" in response.text
    seen = fake_api.by_student(name)[-1]
    assert seen.headers["x-api-key"] == SECRET_KEY
    assert seen.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert token not in json.dumps(seen.headers)
    # The stand-in sent the key back in a header, and its organization: neither passes.
    assert "x-echo-key" not in response.headers
    assert "anthropic-organization-id" not in response.headers
    assert response.headers["request-id"].startswith("req_msg_")


def test_a_reply_that_is_not_streamed_is_relayed_and_counted(gateway, fake_api):
    name, token = student(gateway, 8)

    async def ask():
        async with anthropic.AsyncAnthropic(
            api_key=token, base_url=gateway.url, max_retries=0
        ) as client:
            return await client.messages.create(**_request(f"{name} turn 0 ok", stream=False))

    reply = asyncio.run(ask())
    assert reply.content[0].text == reply_text(name, 0, fake_api.words)
    tally = gateway.tally(name)
    assert tally["complete"] == 1 and tally["output_tokens"] == reply.usage.output_tokens == 13


def test_the_key_in_an_upstream_error_is_scrubbed(gateway, fake_api):
    name, token = student(gateway, 3)
    response = post(gateway, json=_request(f"{name} turn 0 leak"), headers={"x-api-key": token})
    text = assert_one_line_error(response, 400, "invalid_request_error")
    assert "[hidden]" in text and SECRET_KEY not in response.text
    assert "x-debug-key" not in response.headers
    assert gateway.tally(name)["error"] == 1


def test_past_the_rate_limit_the_gateway_answers_429_with_retry_after(gateway, fake_api):
    name, token = student(gateway, 4)
    counts = [
        post(gateway, "/v1/messages/count_tokens", headers={"x-api-key": token}) for _ in range(3)
    ]
    assert [r.json() for r in counts] == [{"input_tokens": 17}] * 3
    before = fake_api.count()
    limited = post(gateway, "/v1/messages/count_tokens", headers={"x-api-key": token})
    assert assert_one_line_error(limited, 429, "rate_limit_error") == message(
        "classroom.limited_rpm", rpm=3
    )
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert 0 < int(limited.headers["retry-after-ms"]) <= 60_000
    assert fake_api.count() == before

    async def ask():
        async with anthropic.AsyncAnthropic(
            api_key=token, base_url=gateway.url, max_retries=0
        ) as client:
            await client.messages.count_tokens(
                model=MODEL, messages=[{"role": "user", "content": "hi"}]
            )

    with pytest.raises(anthropic.RateLimitError):
        asyncio.run(ask())
    assert gateway.tally(name)["refused"] == 2 and gateway.tally(name)["requests"] == 3


def test_past_the_concurrency_limit_the_sdk_waits_and_retries(gateway, fake_api):
    name, token = student(gateway, 5)

    async def two_at_once():
        async with (
            anthropic.AsyncAnthropic(
                api_key=token, base_url=gateway.url, max_retries=0
            ) as impatient,
            anthropic.AsyncAnthropic(api_key=token, base_url=gateway.url, max_retries=3) as patient,
        ):
            first = await impatient.messages.create(**_request(f"{name} turn 0 ok"))
            with pytest.raises(anthropic.RateLimitError) as raised:
                await impatient.messages.create(**_request(f"{name} turn 1 ok"))
            assert raised.value.response.headers["retry-after"] == "1"
            second = asyncio.ensure_future(patient.messages.create(**_request(f"{name} turn 2 ok")))
            texts = [event async for event in first]
            later = [event async for event in await second]  # admitted once the first ended
            return texts, later

    first, second = asyncio.run(asyncio.wait_for(two_at_once(), 30))
    assert first[-1].type == "message_stop" and second[-1].type == "message_stop"
    tally = gateway.tally(name)
    assert tally["complete"] == 2 and tally["refused"] >= 2


def test_past_the_budget_a_student_is_told_it_is_spent(gateway, fake_api):
    name, token = student(gateway, 6)
    for turn in range(2):  # 13 output tokens each: the second passes the budget of 20
        done = post(gateway, json=_request(f"{name} turn {turn} ok"), headers={"x-api-key": token})
        assert done.status_code == 200
    before = fake_api.count()
    spent = post(gateway, json=_request(f"{name} turn 2 ok"), headers={"x-api-key": token})
    text = assert_one_line_error(spent, 403, "permission_error")
    assert text == message("classroom.budget_spent", budget=20)
    assert fake_api.count() == before
    assert gateway.tally(name)["output_tokens"] == 26
    assert gateway.tally(name)["budget_left"] == 0


def test_the_status_view_needs_the_instructor_token(gateway):
    _, token = student(gateway, 1)
    for headers in ({}, {"authorization": f"Bearer {token}"}):
        response = HTTP.get(f"{gateway.url}/classroom/status", headers=headers)
        _keep(response)
        assert_one_line_error(response, 401, "authentication_error")
    page = HTTP.get(f"{gateway.url}/classroom/status", params={"token": gateway.instructor_token})
    _keep(page)
    assert page.status_code == 200 and "<table>" in page.text and "student08" in page.text
    names = [row["name"] for row in gateway.status()["students"]]
    assert names == [f"student{n:02d}" for n in range(1, 9)]


def test_the_status_command_prints_the_table(gateway, capsys):
    from streaming_course.cli import main

    assert (
        main(["classroom", "status", "--url", gateway.url, "--token", gateway.instructor_token])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == [
        message("classroom.col_name"),
        message("classroom.col_requests"),
    ]
    assert any(line.startswith("student06") for line in lines)
    assert lines[-1].startswith(message("classroom.total"))
    assert main(["classroom", "status", "--url", gateway.url, "--token", "wrong"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "401" in error


def test_the_real_key_is_in_nothing_a_student_received_nor_in_the_log(gateway):
    """Runs last: searches every response the tests above got, and the gateway's log."""
    assert len(RECEIVED) > 100
    assert not [item for item in RECEIVED if SECRET_KEY in item]
    assert not [item for item in RECEIVED if SECRET_KEY[len("sk-ant-") :] in item]
    log = gateway.log()
    assert "→ 401" in log and "→ 429" in log and "→ 200" in log
    assert SECRET_KEY not in log and "SECRET" not in log
    for token in gateway.tokens.values():
        assert token not in log
