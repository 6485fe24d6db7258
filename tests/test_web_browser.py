"""The web lesson's page in Debian's Chromium, driven with Playwright, against the real relay.

A learner's path: type a prompt, watch the reply stream in, then ask for a long reply and
press Stop, then meet an `error` event in the middle of a reply. The server is uvicorn on
127.0.0.1, replaying at the recorded pace (the painting is the point).

Needs ``/usr/bin/chromium`` (``apt-get install chromium``); without it the test is skipped,
unless ``STREAMING_COURSE_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import itertools
import time

import pytest

from streaming_course.web.app import create_app
from streaming_course.web.server import BackgroundServer
from tests import lab
from tests.test_web import prompt, replay_settings, reply, words

pytestmark = pytest.mark.browser

STATE = "() => window.relayStats.state"


@pytest.fixture
def chromium_path():
    return lab.require_chromium()


def ask(page, name: str) -> None:
    page.fill("#prompt", prompt(name))
    page.click("#send")


def test_the_page_streams_stops_and_shows_an_error_in_a_real_browser(chromium_path, tmp_path):
    with (
        BackgroundServer(create_app(replay_settings(1))) as server,
        lab.chromium(chromium_path) as browser,
    ):
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.set_default_timeout(15_000)
        page.goto(server.url + "/")

        # The reply grows while it streams, then is the whole reply, rendered.
        ask(page, "bike-commute")
        samples = []
        deadline = time.monotonic() + 15
        while page.evaluate(STATE) == "streaming" and time.monotonic() < deadline:
            samples.append(page.inner_text("#reply"))
            time.sleep(0.03)
        assert page.evaluate(STATE) == "done"
        growing = [text for text in dict.fromkeys(samples) if text]
        assert len(growing) >= 3, f"the reply should grow while it streams: {growing}"
        for shorter, longer in itertools.pairwise(growing):
            assert words(longer).startswith(words(shorter)[:-1]), "text only ever grows"
        stats = page.evaluate("() => window.relayStats")
        assert stats["paints"] > 1
        assert words(page.inner_text("#reply")) == words(reply("bike-commute"))
        assert page.locator("#reply li").count() == 3, "the finished list is rendered"
        status = page.inner_text("#status")
        assert "stop reason: end_turn" in status and "tokens:" in status
        first_paint_ms, server_ttft_ms = stats["firstPaintMs"], stats["serverTtftMs"]

        # A long reply, stopped: it stops growing, the partial text is kept.
        ask(page, "vegetable-garden")
        page.wait_for_function("() => document.querySelector('#reply').innerText.length > 300")
        page.click("#stop")
        page.wait_for_function(f"{STATE} === 'stopped'")
        stopped = page.inner_text("#reply")
        later = []
        for _ in range(4):
            time.sleep(0.2)
            later.append(page.inner_text("#reply"))
        assert later == [stopped] * 4, "no text may appear after Stop"
        assert 300 < len(stopped) < len(reply("vegetable-garden"))
        assert "■ Stopped after" in page.inner_text("#status")
        record = server.log.last_closed()
        assert record.ending == "disconnected" and record.upstream_closed
        assert any("generation stopped" in line for line in server.log.lines)

        # An error event in the middle of a reply: one line, the partial text kept.
        ask(page, "tides-overloaded")
        page.wait_for_function(f"{STATE} === 'error'")
        error = page.inner_text("#error")
        assert page.is_visible("#error") and "\n" not in error.strip()
        assert "overloaded_error" in error
        partial = page.inner_text("#reply")
        assert partial and words(reply("tides-overloaded")).startswith(words(partial))
        page.screenshot(path=str(tmp_path / "web-page.png"), full_page=True)
    print(f"first token painted after {first_paint_ms:.0f} ms in the browser")
    print(f"(the server saw the first text {server_ttft_ms:.0f} ms after the request)")
    print(f"upstream closed {record.close_delay * 1000:.1f} ms after the server heard of Stop")
    print(f"screenshot: {tmp_path / 'web-page.png'}")
