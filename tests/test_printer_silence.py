"""The printers say when a live stream goes quiet, and stay silent about replayed pauses."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import anthropic
import pytest

from streaming_course import printers
from streaming_course.printers import base
from tests.loopback import serve
from tests.streams import client_for, request, text_fixture

REQUEST = request("Hi")
DELTAS = ["Quiet ", "for a ", "while, ", "then ", "the rest."]


def stalled_for(seconds: float):
    """Three events, `seconds` of nothing, then the rest of the reply."""
    fixture = text_fixture(DELTAS, req=REQUEST, gap=0.01)
    late = [replace(event, at=event.at + seconds) for event in fixture.events[5:]]
    return replace(fixture, events=[*fixture.events[:5], *late])


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_a_live_stall_is_announced_once_on_stderr(monkeypatch, capsys, twin):
    monkeypatch.setattr(base, "SILENCE_AFTER", 0.4)
    with serve(stalled_for(1.2)) as (url, _):
        options = {"api_key": "test-key", "base_url": url, "max_retries": 0, "timeout": 30}
        if twin == "sync":
            outcome = printers.print_text(anthropic.Anthropic(**options).messages.create(**REQUEST))
        else:

            async def run():
                client = anthropic.AsyncAnthropic(**options)
                return await printers.aprint_text(await client.messages.create(**REQUEST))

            outcome = asyncio.run(run())
    out, err = capsys.readouterr()
    assert outcome.complete and out == "".join(DELTAS) + "\n"  # stdout keeps exactly the text
    notices = err.splitlines()
    assert len(notices) == 1 and notices[0].startswith("⏳ No data for"), err
    assert "the read timeout is 30 s" in notices[0]


def test_a_replayed_pause_prints_nothing_extra(monkeypatch, capsys):
    monkeypatch.setattr(base, "SILENCE_AFTER", 0.1)
    outcome = printers.print_text(
        client_for(stalled_for(0.5), speed=1.0).messages.create(**REQUEST)
    )
    out, err = capsys.readouterr()
    assert outcome.complete and err == "" and out == "".join(DELTAS) + "\n"
