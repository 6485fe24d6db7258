"""The chat panel, driven as a learner drives it: typed questions, clicks, and the widgets' state.

No browser here: the widgets talk to a stand-in comm whose messages we record, so the tests
can count what would reach the browser. The real browser is in test_chat_browser.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import comm
import ipywidgets as widgets
import pytest

from streaming_course import make_async_client
from streaming_course.chat import ChatPanel
from streaming_course.chat.reply_view import RENDERER, ReplyView
from streaming_course.i18n import message
from streaming_course.replay.synth import TextBlock, synthesize, tokens
from tests.chatbot_fixtures import question, reply, use_strict_replay
from tests.streams import MODEL, async_client_for, request


@pytest.fixture(autouse=True)
def replay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Strict replay of the shipped fixtures at 4× their pace, English messages, no key."""
    use_strict_replay(monkeypatch, 4)


@dataclass
class Sent:
    """One message a widget sent towards the browser."""

    kind: str  # comm_open, comm_msg or comm_close
    comm_id: str
    data: dict
    at: float

    @property
    def size(self) -> int:
        return len(json.dumps(self.data, default=str))


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Sent]]:
    """Every message the widgets send, as the kernel would publish it to the browser."""
    sent: list[Sent] = []

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        sent.append(Sent(msg_type, self.comm_id, data or {}, time.monotonic()))

    monkeypatch.setattr(comm.DummyComm, "publish_msg", publish_msg)
    yield sent


# --- Looking at the panel the way a learner sees it ------------------------------------


def turn_boxes(panel: ChatPanel) -> tuple[widgets.Widget, ...]:
    return panel.transcript.children


def reply_box(panel: ChatPanel, turn: int = -1) -> widgets.VBox:
    return turn_boxes(panel)[turn].children[1]


def reply_html(panel: ChatPanel, turn: int = -1) -> str:
    return "".join(block.value for block in reply_box(panel, turn).children)


def status(panel: ChatPanel, turn: int = -1) -> str:
    return turn_boxes(panel)[turn].children[2].value


def press_enter(panel: ChatPanel, text: str) -> None:
    """Type `text` and press Enter: the text box sends the kernel a submit event."""
    panel.input.value = text
    panel.input._handle_custom_msg({"event": "submit"}, [])


def assert_valid(messages: list[dict[str, str]]) -> None:
    roles = [entry["role"] for entry in messages]
    assert roles == ["user", "assistant"] * (len(roles) // 2)


# --- Asking, streaming, stopping, retrying, clearing ------------------------------------


def test_enter_sends_the_question_and_the_reply_streams_in_as_markdown(monkeypatch):
    # At the recorded pace: a reply of 0.25 s (4×) is too short to watch grow on a busy machine
    use_strict_replay(monkeypatch, 1)

    async def scenario() -> list[str]:
        panel = ChatPanel()
        press_enter(panel, question("herbs-1"))
        assert panel.input.value == "" and panel.busy
        assert panel.send_button.disabled and not panel.stop_button.disabled
        seen = []
        while panel.busy:
            seen.append(reply_html(panel))
            await asyncio.sleep(0.02)
        await panel.task
        assert reply_html(panel) == RENDERER.render(reply("herbs-1"))
        assert "stop reason: end_turn" in status(panel) and "tok/s" in status(panel)
        assert panel.messages[-1] == {"role": "assistant", "content": reply("herbs-1")}
        assert not panel.send_button.disabled and panel.stop_button.disabled
        return seen

    seen = asyncio.run(scenario())
    growing = [html for html in dict.fromkeys(seen) if html]
    assert len(growing) >= 3, "the reply should appear piece by piece"


def test_the_send_button_sends_what_is_typed():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        panel.input.value = question("herbs-1")
        panel.send_button.click()
        await panel.task
        return panel

    panel = asyncio.run(scenario())
    assert len(panel.messages) == 2 and panel.turns[0].complete


def test_enter_while_a_reply_streams_keeps_the_typed_text():
    async def scenario() -> None:
        panel = ChatPanel()
        panel.send(question("herbs-1"))
        press_enter(panel, "a second question")
        assert panel.input.value == "a second question"
        assert len(turn_boxes(panel)) == 1
        with pytest.raises(RuntimeError, match="still streaming"):
            panel.send("a second question")
        await panel.task

    asyncio.run(scenario())


def test_stop_keeps_what_arrived_marks_it_and_shows_nothing_after(wire):
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        task = panel.send(question("setup-guide-long"))
        await asyncio.sleep(0.5)  # 4× pace: about 250 tokens in
        assert panel.busy
        panel.stop_button.click()
        shown_at_stop = reply_html(panel)
        sent_at_stop = len(wire)
        await asyncio.sleep(0.5)
        assert task.result().ending == "stopped", "the task ends with the stopped turn"
        assert reply_html(panel) == shown_at_stop, "no token may appear after Stop"
        reply_ids = {block.model_id for block in reply_box(panel).children}
        late = [s for s in wire[sent_at_stop:] if s.comm_id in reply_ids]
        assert late == [], "nothing may be sent for the reply after Stop"
        return panel

    panel = asyncio.run(scenario())
    turn = panel.turns[-1]
    assert turn.ending == "stopped" and 0 < len(turn.reply) < len(reply("setup-guide-long"))
    assert RENDERER.render(turn.reply) == reply_html(panel)
    assert "■" in status(panel) and "left out of the history" in status(panel)
    assert "streaming-chat-incomplete" in reply_box(panel)._dom_classes
    assert panel.messages == [] and not panel.busy


def test_stop_right_after_send_stops_before_the_request(wire):
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        task = panel.send(question("herbs-1"))
        panel.stop()
        await asyncio.sleep(0.05)
        assert task.result().ending == "stopped" and task.result().reply == ""
        return panel

    panel = asyncio.run(scenario())
    assert "■" in status(panel) and not panel.busy and panel.messages == []


def test_retry_asks_the_last_question_again_in_its_place():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        await panel.send(question("herbs-1"))
        panel.retry_button.click()
        assert len(turn_boxes(panel)) == 1
        await panel.task
        return panel

    panel = asyncio.run(scenario())
    assert len(panel.turns) == 1 and len(panel.messages) == 2
    assert reply_html(panel) == RENDERER.render(reply("herbs-1"))


def test_retry_after_an_overloaded_reply_gets_the_whole_reply():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        for n in (1, 2, 3, 4):
            await panel.send(question(f"herbs-{n}"))
        assert panel.turns[-1].ending == "error_event"
        panel.retry_button.click()
        await panel.task
        return panel

    panel = asyncio.run(scenario())
    assert panel.turns[-1].complete and len(turn_boxes(panel)) == 4
    assert len(panel.messages) == 8
    assert_valid(panel.messages)


def test_clear_empties_the_panel_and_the_history():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        await panel.send(question("herbs-1"))
        panel.clear_button.click()
        return panel

    panel = asyncio.run(scenario())
    assert turn_boxes(panel) == () and panel.messages == [] and panel.turns == []
    assert panel.retry_button.disabled


def test_clear_while_streaming_stops_first_and_forgets_the_stopped_turn():
    async def scenario() -> ChatPanel:
        panel = ChatPanel(keep_partial=True)
        panel.send(question("setup-guide-long"))
        await asyncio.sleep(0.4)
        panel.clear()
        await asyncio.sleep(0.05)
        return panel

    panel = asyncio.run(scenario())
    assert panel.messages == [] and panel.turns == [] and turn_boxes(panel) == ()


def test_the_system_prompt_field_goes_into_the_request():
    fixture = synthesize(request("Hello", system="Be brief."), [TextBlock("Hi!")], seed="s")

    async def scenario() -> ChatPanel:
        panel = ChatPanel(client=async_client_for(fixture), model=MODEL)
        panel.system_prompt.value = "Be brief."
        await panel.send("Hello")
        return panel

    panel = asyncio.run(scenario())
    assert panel.turns[0].complete and panel.conversation.system == "Be brief."


# --- Errors: one readable line in the panel, details folded, the history still valid ----


def test_an_overloaded_error_mid_reply_is_one_line_with_details():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        await panel.send(question("watering-overloaded"))
        return panel

    panel = asyncio.run(scenario())
    line = status(panel)
    assert "overloaded_error" in line and "<details>" in line and "Traceback" in line
    assert reply_html(panel) == RENDERER.render(panel.turns[0].reply) != ""
    assert "streaming-chat-incomplete" in reply_box(panel)._dom_classes
    assert panel.messages == []


def test_a_rate_limit_after_the_sdks_retries_is_shown():
    async def scenario() -> ChatPanel:
        panel = ChatPanel(client=make_async_client(banner=False, max_retries=1))
        await panel.send(question("garden-name-rate-limited-1"))
        return panel

    panel = asyncio.run(scenario())
    assert "429 rate_limit_error" in status(panel) and "SDK retries: 1" in status(panel)
    assert panel.messages == []


def test_a_dropped_connection_keeps_the_earlier_turns():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        await panel.send(question("herbs-1"))
        await panel.send(question("feeding-dropped"))
        return panel

    panel = asyncio.run(scenario())
    assert "connection dropped" in status(panel) and "RemoteProtocolError" in status(panel)
    assert len(panel.messages) == 2 and panel.turns[-1].reply


def test_an_unknown_model_is_a_404_in_one_line():
    async def scenario() -> ChatPanel:
        panel = ChatPanel(model="claude-nonexistent-model")
        await panel.send(question("herbs-1"))
        return panel

    panel = asyncio.run(scenario())
    assert "404 not_found_error: model: claude-nonexistent-model" in status(panel)
    assert panel.messages == []


def test_a_question_with_no_recording_is_a_404_under_strict_replay():
    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        await panel.send("Something nobody recorded")
        return panel

    panel = asyncio.run(scenario())
    assert "No replay fixture matches" in status(panel)


def test_live_mode_without_a_key_is_explained_in_the_panel(monkeypatch):
    monkeypatch.setenv("STREAMING_COURSE_MODE", "live")

    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        task = panel.send("Hello")
        await asyncio.wait([task])
        return panel

    panel = asyncio.run(scenario())
    assert message("mode.no_key") in panel.header.value.replace("&#x27;", "'")
    assert "ANTHROPIC_API_KEY" in status(panel) and "<details>" in status(panel)
    assert panel.messages == [] and not panel.busy


def test_a_bug_is_caught_and_shown_never_lost_in_a_callback(monkeypatch):
    async def broken(question, on_text=None, on_silence=None):
        raise RuntimeError("something broke")

    async def scenario() -> ChatPanel:
        panel = ChatPanel()
        monkeypatch.setattr(panel.conversation, "astream_reply", broken)
        await asyncio.wait([panel.send("Hello")])
        return panel

    panel = asyncio.run(scenario())
    assert "Something went wrong: RuntimeError: something broke" in status(panel)
    assert not panel.busy


# --- What reaches the browser ------------------------------------------------------------


def long_markdown_reply(min_tokens: int = 1000) -> str:
    """A Markdown reply of at least `min_tokens` tokens, from the shipped replies."""
    parts = [reply("setup-guide-long")]
    for name in ("herbs-1", "herbs-2", "herbs-4", "feeding-dropped", "watering-overloaded"):
        parts.append(reply(name))
    text = "\n\n".join(parts)
    assert len(tokens(text)) >= min_tokens
    return text


def test_a_1000_token_reply_sends_at_most_20_updates_a_second(wire):
    """At the recorded pace (about 135 tokens a second), not one update per token."""
    text = long_markdown_reply()
    long_request = request("Long", max_tokens=2048)
    fixture = synthesize(long_request, [TextBlock(text)], seed="panel-coalescing")
    pieces = [
        json.loads(event.wire.split("data: ", 1)[1])["delta"]["text"]
        for event in fixture.events
        if '"text_delta"' in event.wire
    ]
    deltas = len(pieces)
    # Assigning the whole rendering on every delta would send this many bytes:
    per_delta_bytes = sum(
        len(RENDERER.render("".join(pieces[: n + 1])).encode()) for n in range(deltas)
    )

    async def scenario() -> tuple[ChatPanel, float, int]:
        client = async_client_for(fixture, speed=1.0)
        panel = ChatPanel(client=client, model=MODEL, max_tokens=2048)
        sent_before, started = len(wire), time.monotonic()
        await panel.send("Long")
        return panel, time.monotonic() - started, sent_before

    panel, seconds, sent_before = asyncio.run(scenario())
    assert panel.turns[0].complete
    assert reply_html(panel) == RENDERER.render(text), "the final render is exact"
    reply_ids = {block.model_id for block in reply_box(panel).children}
    during = wire[sent_before:]
    updates = [s for s in during if s.kind == "comm_msg" and s.data.get("method") == "update"]
    value_updates = [s for s in updates if "value" in s.data["state"]]
    print(f"{deltas} deltas in {seconds:.1f} s: {len(value_updates)} value updates")
    assert len(value_updates) <= 20 * seconds + 5
    assert len(value_updates) < deltas / 2  # assigning every delta would send `deltas`
    # Finished blocks are sent once, in new widgets (grouped until they outweigh a widget's
    # cost); only the tail is re-sent.
    opened = [s for s in during if s.kind == "comm_open" and s.comm_id in reply_ids]
    assert len(opened) >= 3
    sent_bytes = sum(s.size for s in updates + opened)
    print(f"sent {sent_bytes} bytes; per-delta assignment: {per_delta_bytes} bytes")
    assert sent_bytes < per_delta_bytes / 5
    # Everything the panel sent for the reply, its other widgets included (as the benchmark
    # counts it): at most five times the reply.
    panel_bytes = sum(s.size for s in during)
    print(f"the panel sent {panel_bytes} bytes for a reply of {len(text.encode())} bytes")
    assert panel_bytes <= 5 * len(text.encode())


def test_a_reply_view_renders_pieces_exactly_as_the_whole_text():
    text = long_markdown_reply()

    async def feed() -> ReplyView:
        clock = iter(range(100_000))
        view = ReplyView(max_rate=20.0, clock=lambda: next(clock) * 0.01)
        for piece in tokens(text):
            view.add(piece)
        view.finish()
        return view

    view = asyncio.run(feed())
    assert "".join(block.value for block in view.widget.children) == RENDERER.render(text)
    assert len(view.widget.children) > 3  # finished blocks were frozen as they came


def test_the_panel_shows_a_short_stable_text_form():
    panel = ChatPanel()
    assert repr(panel) == f"ChatPanel(model='{MODEL}')"
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == repr(panel)
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_the_panel_speaks_the_learners_language(monkeypatch):
    """Every word of the panel comes from the catalog: the placeholder's example too."""
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    panel = ChatPanel()
    placeholder = panel.system_prompt.placeholder
    assert placeholder == message("chat.system_placeholder", language="ja")
    assert not any(char.isascii() and char.isalpha() for char in placeholder.replace("Claude", ""))
    assert panel.send_button.description == message("chat.send", language="ja")
