"""The chat panel in a real JupyterLab, driven through Debian's Chromium with Playwright.

A learner's path: open notebook 08, run the panel's cell, type a question, watch the reply
stream in, then ask for a long reply and press Stop. Replay runs at the recorded pace.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``); without it the test is skipped,
unless ``STREAMING_COURSE_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.chatbot_fixtures import question, reply

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "08-streaming-chatbot.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

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

INPUT = ".streaming-chat-input input"
LAST_REPLY = ".streaming-chat-reply >> nth=-1"
LAST_STATUS = ".streaming-chat-status >> nth=-1"


def words(text: str) -> str:
    """`text` with its whitespace normalized: rendered Markdown and its source compare equal."""
    return " ".join(text.split())


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = "Chromium not found: install it with `apt-get install chromium` (Debian)"
        if os.environ.get("STREAMING_COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    with running_jupyterlab(tmp_path) as (base, token):
        yield base, token


@contextmanager
def running_jupyterlab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A JupyterLab on 127.0.0.1 with a random token, serving a copy of notebook 08.

    Yields the base URL and the token; the server and its kernels stop afterwards.
    """
    root = tmp_path / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "en" / NOTEBOOK, root / NOTEBOOK)
    _no_news_toast(tmp_path / "config")
    token = secrets.token_hex(16)
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "STREAMING_COURSE_MODE": "replay",
        "STREAMING_COURSE_REPLAY_STRICT": "1",
        "STREAMING_COURSE_REPLAY_SPEED": "1.0",
        "STREAMING_COURSE_LANG": "en",
        "STREAMING_COURSE_MODEL": "claude-haiku-5-5",
        "STREAMING_COURSE_FIXTURES": "",
        "ANTHROPIC_API_KEY": "",
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--ServerApp.allow_root=True",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to run a cell
    ]
    log = (tmp_path / "jupyterlab.log").open("wb")
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(base, token, server)
        yield base, token
    finally:
        _stop(server)
        log.close()


def test_the_chat_panel_streams_and_stops_in_a_real_browser(chromium_path, jupyterlab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token = jupyterlab
    screenshot = tmp_path / "chat-panel.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(20_000)
            open_and_run_the_panel_cell(page, f"{base}/lab/tree/{NOTEBOOK}?token={token}&reset")

            # A question with a recording: the reply grows while it streams, then is exact.
            ask(page, question("herbs-1"))
            samples = _sample_reply_until_done(page, seconds=15)
            growing = [text for text in dict.fromkeys(samples) if text]
            assert len(growing) >= 3, f"the reply should grow while it streams: {growing}"
            for shorter, longer in itertools.pairwise(growing):
                assert words(longer).startswith(words(shorter)[:-1]), "text only ever grows"
            assert words(growing[-1]) == words(reply("herbs-1"))
            assert "stop reason: end_turn" in page.inner_text(LAST_STATUS)

            # A long reply, stopped: it stops growing and is marked stopped.
            page.click(".streaming-chat-clear")
            page.wait_for_function("document.querySelectorAll('.streaming-chat-reply').length == 0")
            ask(page, question("setup-guide-long"))
            page.wait_for_function(
                "() => { const r = [...document.querySelectorAll('.streaming-chat-reply')];"
                " return r.length && r[r.length - 1].innerText.length > 400 }"
            )
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
            assert 400 < len(stopped) < len(reply("setup-guide-long"))
            assert "streaming-chat-incomplete" in page.get_attribute(LAST_REPLY, "class")
            assert "left out of the history" in page.inner_text(LAST_STATUS)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    print(f"In the browser, from the Stop click: last text shown after {last_shown_ms:.0f} ms,")
    print(f"marked as stopped after {marked_ms:.0f} ms")
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 0


def open_and_run_the_panel_cell(page, url: str) -> None:
    """Open the notebook, wait for its kernel, run the panel's cell, wait for the panel."""
    page.goto(url)
    _accept_kernel_dialog(page)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=60_000)
    # Run only the last cell (the panel's): the lesson's other cells are not needed here.
    page.evaluate(
        "() => { const notebook = jupyterapp.shell.currentWidget.content;"
        " notebook.activeCellIndex = notebook.widgets.length - 1;"
        " jupyterapp.commands.execute('notebook:run-cell'); return 1 }"
    )
    page.wait_for_selector(INPUT, timeout=30_000)


def _accept_kernel_dialog(page) -> None:
    dialog_button = page.locator(".jp-Dialog button.jp-mod-accept")
    try:
        dialog_button.wait_for(timeout=3_000)
    except Exception:  # Playwright's TimeoutError: no dialog, nothing to accept
        return
    dialog_button.click()


def ask(page, question: str) -> None:
    """Type `question` into the panel and press Enter."""
    page.fill(INPUT, question)
    page.press(INPUT, "Enter")
    page.wait_for_selector(".streaming-chat-reply")


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


def _no_news_toast(config_dir: Path) -> None:
    """Turn off JupyterLab's "notified about news?" question, which would cover the panel."""
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(base: str, token: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(
        f"{base}/api/status", headers={"Authorization": f"token {token}"}
    )
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {seconds} s")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (its own process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
