"""Lesson 10's exercises: the relay's share of the wait, and a client that leaves early.

Each judge starts the course's web app on 127.0.0.1 (its own server, over the replay, at a
pace of its choosing) and gives the learner's function what the notebook's cell would get:
the relay's events as they arrive, or an `httpx2.Client` for the server.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx2

from ..config import load_settings
from ..web.app import create_app
from ..web.relay import sdk_request
from ..web.server import BackgroundServer
from .core import Wrong
from .judging import run_printing, served

GREEN_TEA = {"messages": [{"role": "user", "content": "Give me three tips for brewing green tea."}]}
GARDEN = {
    "messages": [
        {
            "role": "user",
            "content": (
                "Explain, step by step, how to plan a small vegetable garden for the first time."
            ),
        }
    ]
}
TIMING_SPEED = 20.0  # events a few milliseconds apart: the first text and the last differ
LEAVING_SPEED = 2.0  # the long reply takes many seconds: five pieces are read long before its end


@contextmanager
def relay_server(speed: float) -> Iterator[tuple[BackgroundServer, httpx2.Client]]:
    """The course's web app over the replay at `speed`, and a client for it; both closed after."""
    settings = replace(load_settings(), mode="replay", replay_speed=speed)
    with (
        BackgroundServer(create_app(settings)) as server,
        httpx2.Client(base_url=server.url, timeout=30) as http,
    ):
        yield server, http


def relay_events(http: httpx2.Client, payload: dict[str, Any], clock: Any) -> Iterator[tuple]:
    """(seconds since the request, event name, data) for each event: the notebook's reader."""
    started = clock()
    with http.stream("POST", "/api/stream", json=payload) as response:
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                yield clock() - started, name, json.loads(line.removeprefix("data: "))


def judge_relay_timings(relay_timings: Any) -> None:
    """(first text, done, the server's ttft), read from the events the function was given."""
    import time

    seen: list[tuple] = []
    with relay_server(TIMING_SPEED) as (_, http):

        def events() -> Iterator[tuple]:
            for event in relay_events(http, GREEN_TEA, time.perf_counter):
                seen.append(event)
                yield event

        got = relay_timings(events())
    if got is None:
        raise Wrong("returned_nothing")
    first_text, done_at, server_ttft = got
    texts = [at for at, name, _ in seen if name == "text"]
    done = [(at, data) for at, name, data in seen if name == "done"]
    if not done:
        raise Wrong("stopped_before_done")
    if not _same(first_text, texts[0]):
        if _same(first_text, texts[-1]):
            raise Wrong("last_text_not_first")
        if _same(first_text, done[0][1]["ttft"]):
            raise Wrong("server_time_as_ours")
        raise Wrong("first_text", got=first_text, expected=texts[0])
    if not _same(done_at, done[0][0]):
        raise Wrong("done_at", got=done_at, expected=done[0][0])
    if not _same(server_ttft, done[0][1]["ttft"]):
        raise Wrong("server_ttft", got=server_ttft, expected=done[0][1]["ttft"])


def judge_leave_early(leave_early: Any) -> None:
    """The function read some text and left: the relay saw the disconnect, upstream closed."""
    reply = served(sdk_request(GARDEN, load_settings().model)).text
    with relay_server(LEAVING_SPEED) as (server, http):
        got, _ = run_printing(leave_early, http, GARDEN)
        try:
            record = server.log.last_closed(timeout=5.0)
        except TimeoutError as error:
            raise Wrong("never_closed") from error
    if record.ending == "complete":
        raise Wrong("read_it_all")
    if record.ending != "disconnected" or not record.upstream_closed:
        raise Wrong("not_disconnected", ending=record.ending)
    if not got or not isinstance(got, str):
        raise Wrong("returned_no_text")
    if not reply.startswith(got) or len(got) >= len(reply):
        raise Wrong("text_not_the_start")


def _same(got: Any, expected: float) -> bool:
    try:
        return math.isclose(float(got), float(expected), abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


EXERCISES = [
    ("relay_timings", judge_relay_timings),
    ("leave_early", judge_leave_early),
]
