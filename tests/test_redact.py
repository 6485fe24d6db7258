"""No error path shows a key or a header value: the redaction, and every renderer using it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import anthropic
import pytest

from streaming_course.chat import terminal
from streaming_course.chat.panel import ChatPanel, TurnView
from streaming_course.conversation import Conversation, describe_failure
from streaming_course.i18n import catalog
from streaming_course.redact import REDACTED, error_details, error_line, redact
from tests.chatbot_fixtures import use_strict_replay
from tests.streams import MODEL

KEY = "sk-ant-api03-" + "s3cr3t" * 8  # built at run time: no key-like string is committed


def pieces_of(key: str, size: int = 10) -> list[str]:
    return [key[i : i + size] for i in range(len(key) - size + 1)]


def assert_no_key(text: str, key: str = KEY) -> None:
    leaked = [piece for piece in pieces_of(key.strip()) if piece in text]
    assert not leaked, f"part of the key is shown: {leaked[:1]}"


@pytest.mark.parametrize(
    "text",
    [
        f"Illegal header value b'Bearer {KEY} '",
        f"Illegal header value b'{KEY}\\n'",
        f"Authorization: Bearer {KEY}",
        f'{{"authorization": "Bearer {KEY}", "x-api-key": "{KEY}"}}',
        f"x-api-key={KEY}; path=/",
        f"the key {KEY} was refused",
        f"Bearer {KEY}",
    ],
)
def test_keys_and_header_values_are_replaced(text):
    hidden = redact(text)
    assert_no_key(hidden)
    assert REDACTED in hidden


def test_the_configured_key_is_hidden_whatever_its_shape(monkeypatch):
    odd_key = "my-proxy-token-0123456789"  # not shaped like sk-ant-…
    monkeypatch.setenv("ANTHROPIC_API_KEY", odd_key + " ")
    assert redact(f"token {odd_key} refused") == f"token {REDACTED} refused"
    assert redact(f"b'{odd_key}\\t'") == f"b'{REDACTED}\\t'"


def test_ordinary_text_is_left_alone():
    text = "⚠ The connection dropped (ReadTimeout) after 12 characters: check your authorization."
    assert redact(text) == text


def test_an_error_line_is_one_line():
    error = ValueError(f"first line with Bearer {KEY}\nsecond line")
    assert error_line(error) == f"ValueError: first line with Bearer {REDACTED}"


# --- A real refused header: the SDK's chained error, through every renderer ---------------


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A socket that accepts connections and never answers: the request fails in the client."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                server.accept()[0].close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def client_with_a_bad_key(port: int, async_: bool = False):
    """A client given a key with a trailing space directly (config would have refused it)."""
    kind = anthropic.AsyncAnthropic if async_ else anthropic.Anthropic
    return kind(api_key=KEY + " ", base_url=f"http://127.0.0.1:{port}", max_retries=0, timeout=2)


def test_the_sdks_chained_error_carries_the_key_and_we_never_show_it(listening_port):
    client = client_with_a_bad_key(listening_port)
    with pytest.raises(anthropic.APIConnectionError) as caught:
        client.messages.create(
            model=MODEL, max_tokens=5, messages=[{"role": "user", "content": "Hi"}]
        )
    error = caught.value
    assert KEY in str(error.__cause__), "the premise: httpx2 quotes the header value"
    assert "Illegal header value" in error_details(error)
    assert_no_key(error_details(error))
    assert_no_key(describe_failure(error))
    assert "Check the network" in describe_failure(error)


def test_the_terminal_chat_never_shows_the_key(listening_port, monkeypatch, capsys, tmp_path):
    use_strict_replay(monkeypatch, 0)
    monkeypatch.chdir(tmp_path)
    chat = terminal.run_terminal_chat(
        client_with_a_bad_key(listening_port),
        MODEL,
        read_line=terminal.scripted(["Hi", "/save chat.md", "/quit"]),
    )
    out = capsys.readouterr().out
    assert "⚠ The request failed: APIConnectionError" in out
    assert_no_key(out)
    assert_no_key(chat.to_markdown() + chat.to_json() + (tmp_path / "chat.md").read_text())
    assert_no_key(json.dumps(chat.turns[0].to_dict(), default=str))


def test_the_chat_panel_and_its_details_never_show_the_key(listening_port, monkeypatch):
    use_strict_replay(monkeypatch, 0)

    async def scenario() -> ChatPanel:
        panel = ChatPanel(client=client_with_a_bad_key(listening_port, async_=True), model=MODEL)
        await panel.send("Hi")
        return panel

    panel = asyncio.run(scenario())
    status = panel.transcript.children[-1].children[2].value
    assert "<details>" in status and "Illegal header value" in status
    assert_no_key(status)
    assert_no_key(panel.to_markdown() + panel.to_json())


def test_an_unexpected_error_in_the_panel_is_shown_without_the_key():
    view = TurnView("Hi", 20.0)
    view.show_error(RuntimeError(f"boom with Bearer {KEY}"))
    assert "Something went wrong: RuntimeError: boom with Bearer" in view.status.value
    assert_no_key(view.status.value)


def test_a_turn_record_never_holds_the_key_as_text(listening_port):
    chat = Conversation(client_with_a_bad_key(listening_port), MODEL)
    turn = chat.stream_reply("Hi")
    assert turn.ending == "failed" and turn.note.count("\n") == 0
    assert_no_key(turn.note + json.dumps(turn.to_dict(), default=str))


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_message_of_the_course_is_mistaken_for_a_secret(language):
    """The catalog names ANTHROPIC_API_KEY=sk-ant-... as an example: that is no key."""
    changed = [key for key, text in catalog(language).items() if redact(text) != text]
    assert changed == []
