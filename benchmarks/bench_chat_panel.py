"""How fast the chat panel's Stop is, and how much it sends the browser per reply.

    python benchmarks/bench_chat_panel.py
    python benchmarks/bench_chat_panel.py --browser 20   # also Stop in a real JupyterLab

(a) Stop latency: a long reply streams at the recorded pace (replay speed 1.0) and Stop is
    clicked at a random moment. We measure, from the click, when the last piece of the
    reply reaches the widgets (the "last token shown") and when the turn is marked stopped.
    Target: at most 150 ms for both. With ``--browser N``, N more trials click Stop in
    JupyterLab in Chromium (as tests/test_chat_browser.py does) and time the same two
    moments in the page, where a learner sees them.
(b) Messages to the browser for a ~1,000-token answer: the panel (rendering through
    `LiveMarkdown` with a widget publisher: at most 20 renders a second, finished blocks sent
    once, the tail re-sent only when enough of it is new) against assigning the whole
    rendering to one `HTML` widget on every delta, the obvious way, or on every token.
    Target: the panel sends at most 5× the reply, everything it sends counted, and its final
    HTML is exactly the whole reply rendered at once (what `LiveMarkdown` promises at close).

Widgets here talk to ipywidgets' stand-in comm; we record what it would publish, so the
figures are the messages a kernel would send, without a browser.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import anthropic
import comm
import httpx2
import ipywidgets as widgets

from streaming_course.chat import ChatPanel
from streaming_course.chat.reply_view import RENDERER
from streaming_course.config import PACKAGE_FIXTURES
from streaming_course.conversation import Conversation
from streaming_course.replay.fixture import Fixture
from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import TextBlock, synthesize, tokens
from streaming_course.replay.transport import ReplayTransport

MODEL = "claude-haiku-5-5"
TRIALS = 40
TARGET_MS = 150.0
TARGET_BYTES = 5.0  # the panel sends at most this many times the reply
SOURCE = PACKAGE_FIXTURES / "sources" / "11-streaming-chatbot.toml"


@dataclass
class Published:
    """One message a widget's comm would publish to the browser."""

    kind: str  # comm_open, comm_msg or comm_close
    comm_id: str
    at: float
    size: int  # bytes of its JSON data


PUBLISHED: list[Published] = []


def _record(self, msg_type, data=None, metadata=None, buffers=None, **keys) -> None:
    size = len(json.dumps(data or {}, default=str).encode())
    PUBLISHED.append(Published(msg_type, self.comm_id, time.perf_counter(), size))


comm.DummyComm.publish_msg = _record  # every widget message is recorded, nothing is sent


def long_reply() -> str:
    """A Markdown answer of about 1,000 tokens, from the course's own chat replies."""
    exchanges = tomllib.loads(SOURCE.read_text("utf-8"))["exchange"]
    replies = {exchange["name"]: exchange.get("reply", "") for exchange in exchanges}
    names = ["setup-guide-long", "herbs-1", "herbs-2", "herbs-4", "watering-overloaded"]
    return "\n\n".join(replies[name] for name in names)


def fixture_for(text: str) -> Fixture:
    request = {
        "model": MODEL,
        "max_tokens": 2048,
        "stream": True,
        "messages": [{"role": "user", "content": "Tell me everything."}],
    }
    return synthesize(request, [TextBlock(text)], seed="bench-chat-panel")


def async_client(fixture: Fixture, speed: float) -> anthropic.AsyncAnthropic:
    transport = ReplayTransport(FixtureLibrary([fixture]), speed=speed, strict=True)
    return anthropic.AsyncAnthropic(
        api_key="bench", http_client=httpx2.AsyncClient(transport=transport), max_retries=0
    )


# --- (a) Stop → last token shown ----------------------------------------------------------


async def stop_trial(fixture: Fixture, stop_after: float) -> tuple[float, float]:
    """Milliseconds from the Stop click to the reply's last message, and to the stopped mark."""
    panel = ChatPanel(client=async_client(fixture, 1.0), model=MODEL, max_tokens=2048)
    task = panel.send("Tell me everything.")
    await asyncio.sleep(stop_after)
    turn_box = panel.transcript.children[-1]
    status = turn_box.children[2]
    marked: list[float] = []
    status.observe(lambda _: marked.append(time.perf_counter()), "value")
    clicked = time.perf_counter()
    panel.stop_button.click()
    await asyncio.wait([task])
    await asyncio.sleep(0.3)  # anything still on its way would arrive now
    reply_ids = _widget_ids(turn_box.children[1])
    last_shown = max((p.at for p in PUBLISHED if p.comm_id in reply_ids), default=clicked)
    return (max(last_shown - clicked, 0.0) * 1000, (marked[-1] - clicked) * 1000)


def _widget_ids(box: widgets.Box) -> set[str]:
    return {box.model_id, *(child.model_id for child in box.children)}


def bench_stop(fixture: Fixture) -> None:
    chooser = random.Random(8)
    trials = [asyncio.run(stop_trial(fixture, chooser.uniform(0.6, 3.0))) for _ in range(TRIALS)]
    print(f"(a) Stop at a random moment of a streaming reply, replay speed 1.0, {TRIALS} trials")
    report_stop_latencies(trials)


def report_stop_latencies(trials: list[tuple[float, float]]) -> None:
    shown, marked = zip(*trials, strict=True)
    for name, values in [("last token shown", shown), ("marked as stopped", marked)]:
        median, worst = statistics.median(values), max(values)
        verdict = "OK" if worst <= TARGET_MS else "OVER TARGET"
        print(
            f"    {name:<18} median {median:6.2f} ms   max {worst:6.2f} ms   "
            f"(target ≤ {TARGET_MS:g} ms: {verdict})"
        )


def bench_stop_in_browser(trials: int) -> None:
    """Stop clicked in a real JupyterLab, timed in the page (needs /usr/bin/chromium)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # to import the tests
    from tests import lab
    from tests import test_chat_browser as browser_test

    chooser = random.Random(9)
    with (
        tempfile.TemporaryDirectory() as folder,
        browser_test.serving_the_notebook(Path(folder)) as server,
        lab.chromium(lab.CHROMIUM) as browser,
    ):
        page = browser.new_page()
        page.set_default_timeout(20_000)
        browser_test.open_and_run_the_panel_cell(page, server)
        results = [
            stop_trial_in_page(page, browser_test, chooser.uniform(0.2, 2.5)) for _ in range(trials)
        ]
    print(f"    in JupyterLab (Chromium), {trials} trials:")
    report_stop_latencies(results)


def stop_trial_in_page(page, browser_test, stop_after: float) -> tuple[float, float]:
    """Ask for the long reply, click Stop `stop_after` seconds into it, read the latencies."""
    from tests.chatbot_fixtures import question

    page.click(".streaming-chat-clear")
    browser_test.ask(page, question("setup-guide-long"))
    page.wait_for_selector(f"{browser_test.LAST_STATUS} >> text=Streaming")
    time.sleep(stop_after)
    page.evaluate(browser_test.WATCH_STOP)
    page.click(".streaming-chat-stop")
    page.wait_for_selector(f"{browser_test.LAST_STATUS} >> text=stopped")
    time.sleep(0.5)  # anything still on its way would arrive now
    last_shown_ms, marked_ms = page.evaluate(browser_test.STOP_LATENCIES)
    return last_shown_ms, marked_ms


# --- (b) Messages per reply -----------------------------------------------------------------


async def panel_run(fixture: Fixture) -> tuple[list[Published], float, str]:
    """What the panel published for one reply, how long it streamed, and its final HTML."""
    panel = ChatPanel(client=async_client(fixture, 1.0), model=MODEL, max_tokens=2048)
    first = len(PUBLISHED)
    started = time.perf_counter()
    turn = await panel.send("Tell me everything.")
    assert turn.complete
    reply_box = panel.transcript.children[-1].children[1]
    final_html = "".join(block.value for block in reply_box.children)
    return PUBLISHED[first:], time.perf_counter() - started, final_html


async def assign_every_piece(fixture: Fixture, per_token: bool) -> list[Published]:
    """The obvious way: the whole rendering assigned to one HTML widget on every delta
    (or, `per_token`, on every token of every delta)."""
    html = widgets.HTML()
    first = len(PUBLISHED)
    chat = Conversation(async_client(fixture, 0.0), MODEL, max_tokens=2048)
    shown: list[str] = []

    def show(text: str) -> None:
        for piece in tokens(text) if per_token else [text]:
            shown.append(piece)
            html.value = RENDERER.render("".join(shown))

    await chat.astream_reply("Tell me everything.", on_text=show)
    return PUBLISHED[first:]


def bench_messages(fixture: Fixture, text: str) -> None:
    panel_sent, seconds, final_html = asyncio.run(panel_run(fixture))
    runs = [
        ("ChatPanel", panel_sent),
        ("HTML.value on every delta", asyncio.run(assign_every_piece(fixture, False))),
        ("HTML.value on every token", asyncio.run(assign_every_piece(fixture, True))),
    ]
    deltas = sum(1 for event in fixture.events if '"text_delta"' in event.wire)
    print(
        f"(b) One reply of {len(tokens(text)):,} tokens ({len(text.encode()):,} bytes of "
        f"Markdown) in {deltas} deltas, streamed in {seconds:.1f} s"
    )
    for name, sent in runs:
        updates = sum(1 for p in sent if p.kind == "comm_msg")
        opened = sum(1 for p in sent if p.kind == "comm_open")
        size = sum(p.size for p in sent)
        print(
            f"    {name:<26} {updates:4d} state updates, {opened:3d} widgets opened, "
            f"{size:>9,} bytes ({size / len(text.encode()):5.1f}× the reply)"
        )
    rate = sum(1 for p in panel_sent if p.kind == "comm_msg") / seconds
    print(f"    ChatPanel: {rate:.1f} state updates a second while streaming (cap: 20 renders)")
    ratio = sum(p.size for p in panel_sent) / len(text.encode())
    verdict = "OK" if ratio <= TARGET_BYTES else "OVER TARGET"
    print(f"    Target: ChatPanel ≤ {TARGET_BYTES:g}× the reply: {ratio:.2f}×, {verdict}")
    exact = final_html == RENDERER.render(text)
    print(f"    Final render equals the whole reply rendered at once: {'yes' if exact else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--browser", type=int, default=0, metavar="N", help="browser trials")
    args = parser.parse_args()
    text = long_reply()
    fixture = fixture_for(text)
    bench_messages(fixture, text)
    bench_stop(fixture)
    if args.browser:
        bench_stop_in_browser(args.browser)


if __name__ == "__main__":
    main()
