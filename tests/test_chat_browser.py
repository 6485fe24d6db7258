"""The chat panel in a real JupyterLab, driven through Debian's Chromium with Playwright.

A learner's path: open notebook 11, run the panel's cell, type a question, watch the reply
stream in, then ask for a long reply and press Stop. Replay runs at the recorded pace.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``); without it the test is skipped,
unless ``STREAMING_COURSE_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import lab
from tests.chatbot_fixtures import question, reply

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "11-streaming-chatbot.ipynb"
PANEL_CELL = "chat-panel"  # the id of the notebook's cell that shows the panel

WATCH_STOP = """() => {
    const last = (selector) => [...document.querySelectorAll(selector)].pop();
    const times = (window.chatStopTimes = { click: null, reply: null, status: null });
    const watch = (element, name) => new MutationObserver(() => {
        times[name] = performance.now();
    }).observe(element, { subtree: true, childList: true, characterData: true });
    watch(last(".streaming-chat-reply"), "reply");
    watch(last(".streaming-chat-status"), "status");
    document.querySelector(".streaming-chat-stop").addEventListener(
        "click", () => { times.click = performance.now(); }, { capture: true });
}"""
"""Notes, in the page, when Stop is clicked and when the reply and its status last change."""

STOP_LATENCIES = """() => {
    const times = window.chatStopTimes;
    return [Math.max((times.reply ?? times.click) - times.click, 0), times.status - times.click];
}"""
"""Milliseconds from the Stop click to the reply's last change and to the stopped mark."""

LOOKS = """() => {
    const box = (selector) => document.querySelector(selector).getBoundingClientRect();
    const style = (selector) => getComputedStyle(document.querySelector(selector));
    const blocks = [...document.querySelectorAll(
        '.streaming-chat-reply .widget-html-content > *')].pop()?.closest('.streaming-chat-reply');
    const tops = [...(blocks ? blocks.querySelectorAll('.widget-html-content > *') : [])]
        .map((element) => element.getBoundingClientRect());
    const gaps = tops.slice(1).map((rect, n) => Math.round(rect.top - tops[n].bottom));
    const turns = [...document.querySelectorAll('.streaming-chat-turn')];
    const activity = document.querySelector('.streaming-chat-activity');
    const shown = activity.getBoundingClientRect();
    const paragraph = blocks?.querySelector('.widget-html-content > p');
    return {
        stopTop: box('.streaming-chat-stop').top, stopBottom: box('.streaming-chat-stop').bottom,
        viewport: window.innerHeight,
        inputShare: box('.streaming-chat-input').width / box('.streaming-chat-controls').width,
        stopOpacity: Number(style('.streaming-chat-stop').opacity),
        stopFilter: style('.streaming-chat-stop').filter,
        activity: activity.innerText,
        activityInView: shown.height > 0 && shown.top >= 0 && shown.bottom <= window.innerHeight,
        paragraphMargin: paragraph ? parseFloat(getComputedStyle(paragraph).marginBottom) : null,
        stopColor: style('.streaming-chat-stop').backgroundColor,
        gaps,
        scrolledToNewest: (() => {
            const scroller = document.querySelector('.streaming-chat-transcript');
            const reply = [...document.querySelectorAll('.streaming-chat-reply')].pop();
            return !reply || reply.getBoundingClientRect().bottom
                <= scroller.getBoundingClientRect().bottom + 1;
        })(),
        turnBorder: turns.length > 1 ? style('.streaming-chat-turn + .streaming-chat-turn')
            .borderTopWidth : null,
    };
}"""
"""How the panel looks: where Stop is, how wide the input is, how Stop looks, the activity
line (and whether it is in view), the gaps between the blocks of the last reply and a
paragraph's own margin, the line between turns."""

WHILE_STREAMING = f"""() => {{
    const looks = ({LOOKS})();
    const stop = document.querySelector('.streaming-chat-stop');
    return looks.activity && !stop.disabled ? looks : null;
}}"""
"""How the panel looks once the activity line says a reply streams and Stop is enabled (each
widget's state reaches the page in its own message)."""

INPUT = ".streaming-chat-input input"
LAST_REPLY = ".streaming-chat-reply >> nth=-1"
LAST_STATUS = ".streaming-chat-status >> nth=-1"


def words(text: str) -> str:
    """`text` with its whitespace normalized: rendered Markdown and its source compare equal."""
    return " ".join(text.split())


@pytest.fixture
def chromium_path() -> Path:
    return lab.require_chromium()


LAB_ENV = {
    "STREAMING_COURSE_MODE": "replay",
    "STREAMING_COURSE_REPLAY_STRICT": "1",
    "STREAMING_COURSE_REPLAY_SPEED": "1.0",
    "STREAMING_COURSE_LANG": "en",
    "STREAMING_COURSE_MODEL": "claude-haiku-5-5",
    "STREAMING_COURSE_FIXTURES": "",
    "ANTHROPIC_API_KEY": "",
}
"""The kernels' settings: strict replay at the recorded pace, English, no key."""


@contextmanager
def serving_the_notebook(scratch: Path) -> Iterator[lab.Lab]:
    """A JupyterLab on 127.0.0.1 serving a copy of the chatbot notebook (also for benchmarks)."""
    root = scratch / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "en" / NOTEBOOK, root / NOTEBOOK)
    with lab.running_jupyterlab(root, scratch, LAB_ENV) as server:
        yield server


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[lab.Lab]:
    """A JupyterLab on 127.0.0.1 serving a copy of the chatbot notebook, at the recorded pace."""
    with serving_the_notebook(tmp_path) as server:
        yield server


def test_the_chat_panel_streams_and_stops_in_a_real_browser(chromium_path, jupyterlab, tmp_path):
    screenshot = tmp_path / "chat-panel.png"
    with lab.chromium(chromium_path) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(20_000)
        open_and_run_the_panel_cell(page, jupyterlab)

        # A question with a recording: the reply grows while it streams, then is exact.
        ask(page, question("herbs-1"))
        samples = _sample_reply_until_done(page, seconds=15)
        growing = [text for text in dict.fromkeys(samples) if text]
        assert len(growing) >= 3, f"the reply should grow while it streams: {growing}"
        for shorter, longer in itertools.pairwise(growing):
            assert words(longer).startswith(words(shorter)[:-1]), "text only ever grows"
        assert words(growing[-1]) == words(reply("herbs-1"))
        assert "stop reason: end_turn" in page.inner_text(LAST_STATUS)
        looks = page.evaluate(LOOKS)
        assert looks["activity"] == "", "the panel no longer says it is streaming"
        assert looks["stopOpacity"] <= 0.5 and "grayscale" in looks["stopFilter"], looks
        assert looks["inputShare"] >= 0.5, "the input takes most of the row"
        ask(page, question("herbs-2"))  # a second turn: a line separates it from the first
        _sample_reply_until_done(page, seconds=15)
        assert page.evaluate(LOOKS)["turnBorder"] == "1px"

        # A long reply, stopped: it stops growing and is marked stopped.
        page.click(".streaming-chat-clear")
        page.wait_for_function("document.querySelectorAll('.streaming-chat-reply').length == 0")
        page.evaluate(
            "() => document.querySelector('.streaming-chat-controls')"
            ".scrollIntoView({ block: 'end' })"
        )  # the controls at the bottom of the window, as after typing there
        ask(page, question("setup-guide-long"))
        at_start = page.evaluate(LOOKS)
        page.wait_for_function(
            "() => { const r = [...document.querySelectorAll('.streaming-chat-reply')];"
            " return r.length && r[r.length - 1].innerText.length > 1500 }"
        )
        streaming = page.evaluate(LOOKS)
        assert "streaming" in streaming["activity"], "the panel says that a reply streams"
        assert streaming["activityInView"], "the streaming line is in view, beside Stop"
        assert streaming["stopOpacity"] == 1 and streaming["stopFilter"] == "none"
        assert streaming["stopTop"] == at_start["stopTop"], "Stop stays where it was"
        assert streaming["scrolledToNewest"], "the newest text is in view"
        assert streaming["stopTop"] >= 0 and streaming["stopBottom"] <= streaming["viewport"]
        gaps = streaming["gaps"]
        assert len(gaps) >= 4 and max(gaps) - min(gaps) <= 1, f"one gap between blocks: {gaps}"
        margin = streaming["paragraphMargin"]
        assert margin and max(gaps) <= margin + 1, f"no double gaps: {gaps}, margin {margin}"
        page.evaluate(WATCH_STOP)
        page.click(".streaming-chat-stop")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.streaming-chat-status')]"
            ".pop().innerText.includes('■')"
        )
        stopped = page.inner_text(LAST_REPLY)
        later = []
        for _ in range(5):
            time.sleep(0.25)
            later.append(page.inner_text(LAST_REPLY))
        assert later == [stopped] * 5, "no text may appear after Stop"
        last_shown_ms, marked_ms = page.evaluate(STOP_LATENCIES)
        assert last_shown_ms < 1000, "the reply should stop within a second of the click"
        assert 1500 < len(stopped) < len(reply("setup-guide-long"))
        assert "streaming-chat-incomplete" in page.get_attribute(LAST_REPLY, "class")
        assert "left out of the history" in page.inner_text(LAST_STATUS)
        page.screenshot(path=str(screenshot), full_page=True)
        page.evaluate(
            "() => { jupyterapp.commands.execute('apputils:change-theme',"
            " { theme: 'JupyterLab Dark' }); return 1 }"
        )
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
        dark = page.evaluate(LOOKS)  # a disabled Stop looks disabled in the dark theme too
        assert dark["stopOpacity"] <= 0.5 and "grayscale" in dark["stopFilter"], dark
        assert dark["activity"] == "", dark
        ask(page, question("herbs-1"))  # and an enabled one looks enabled
        dark_streaming = page.wait_for_function(WHILE_STREAMING).json_value()
        assert dark_streaming["stopOpacity"] == 1 and dark_streaming["stopFilter"] == "none"
        assert dark_streaming["stopOpacity"] - dark["stopOpacity"] >= 0.5
        assert dark_streaming["activityInView"]
        _sample_reply_until_done(page, seconds=15)
        assert page.evaluate(LOOKS)["activity"] == "", "the streaming line goes once it ends"
        page.evaluate(
            "() => document.querySelector('.streaming-chat-controls')"
            ".scrollIntoView({ block: 'end' })"
        )
        page.screenshot(path=str(tmp_path / "chat-panel-dark.png"))
    print(f"In the browser, from the Stop click: last text shown after {last_shown_ms:.0f} ms,")
    print(f"marked as stopped after {marked_ms:.0f} ms")
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 0


def open_and_run_the_panel_cell(page, jupyterlab: lab.Lab) -> None:
    """Open the notebook, wait for its kernel, run the panel's cell, wait for the panel."""
    lab.open_notebook(page, jupyterlab, NOTEBOOK)
    # Run only the panel's cell (found by its id): the lesson's other cells are not needed here.
    found = page.evaluate(
        "(id) => { const notebook = jupyterapp.shell.currentWidget.content;"
        " const index = notebook.widgets.findIndex((cell) => cell.model.id === id);"
        " if (index < 0) return false;"
        " notebook.activeCellIndex = index;"
        " jupyterapp.commands.execute('notebook:run-cell'); return true }",
        PANEL_CELL,
    )
    assert found, f"no cell with the id {PANEL_CELL!r} in {NOTEBOOK}"
    page.wait_for_selector(INPUT, timeout=30_000)


def ask(page, question: str) -> None:
    """Type `question` into the panel, press Enter, and wait for its turn to appear."""
    page.evaluate(
        "() => document.querySelectorAll('.streaming-chat-turn')"
        ".forEach((turn) => { turn.dataset.askedBefore = 'yes'; })"
    )  # marks the turns already shown: the new one is the last turn without the mark
    page.fill(INPUT, question)
    page.press(INPUT, "Enter")
    page.wait_for_function(
        "() => { const turn = [...document.querySelectorAll('.streaming-chat-turn')].pop();"
        " return turn && !turn.dataset.askedBefore && turn.querySelector('.streaming-chat-reply') }"
    )


def _sample_reply_until_done(page, seconds: float) -> list[str]:
    """The reply's text every 50 ms until its figures appear (or `seconds` pass)."""
    samples = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples.append(page.inner_text(LAST_REPLY))
        if "stop reason" in page.inner_text(LAST_STATUS):
            samples.append(page.inner_text(LAST_REPLY))
            return samples
        time.sleep(0.05)
    raise AssertionError(f"the reply did not finish within {seconds} s")
