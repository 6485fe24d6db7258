"""The chatbot lesson's shipped exchanges, and the environment its tests replay them in."""

from __future__ import annotations

import tomllib

import pytest

from streaming_course.config import PACKAGE_FIXTURES
from tests.streams import MODEL

SOURCE = PACKAGE_FIXTURES / "sources" / "11-streaming-chatbot.toml"
EXCHANGES = {e["name"]: e for e in tomllib.loads(SOURCE.read_text("utf-8"))["exchange"]}


def question(name: str) -> str:
    """The last user message of a shipped exchange."""
    return EXCHANGES[name]["messages"][-1]["content"]


def reply(name: str) -> str:
    """The reply text a shipped exchange was synthesized from."""
    return EXCHANGES[name]["reply"]


def use_strict_replay(monkeypatch: pytest.MonkeyPatch, speed: float) -> None:
    """Strict replay of the shipped fixtures at `speed`, English messages, no key."""
    monkeypatch.setenv("STREAMING_COURSE_MODE", "replay")
    monkeypatch.setenv("STREAMING_COURSE_REPLAY_STRICT", "1")
    monkeypatch.setenv("STREAMING_COURSE_REPLAY_SPEED", str(speed))
    monkeypatch.setenv("STREAMING_COURSE_LANG", "en")
    monkeypatch.setenv("STREAMING_COURSE_MODEL", MODEL)
    monkeypatch.setenv("STREAMING_COURSE_FIXTURES", "")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")
