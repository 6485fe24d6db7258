"""The first line a notebook prints: the mode, honest about synthesized recordings."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from streaming_course.client import make_client, mode_banner, model_warnings
from streaming_course.config import load_settings
from streaming_course.i18n import catalog

REPLAY = {"STREAMING_COURSE_MODE": "replay"}


@pytest.mark.parametrize(
    ("language", "words"), [("en", "synthesized recordings"), ("ja", "合成した録画")]
)
def test_the_replay_banner_says_the_recordings_are_synthesized(monkeypatch, language, words):
    monkeypatch.setenv("STREAMING_COURSE_LANG", language)
    catalog.cache_clear()
    for speed in ("1", "0"):
        settings = load_settings({**REPLAY, "STREAMING_COURSE_REPLAY_SPEED": speed})
        assert words in mode_banner(settings)
    catalog.cache_clear()


def test_the_banner_says_when_your_own_recordings_come_first(tmp_path):
    settings = load_settings({**REPLAY, "STREAMING_COURSE_FIXTURES": str(tmp_path)})
    assert "your recordings first, then the course's synthesized ones" in mode_banner(settings)


def test_the_live_banner_names_where_the_key_was_found_in_the_learners_language(monkeypatch):
    monkeypatch.setenv("STREAMING_COURSE_LANG", "ja")
    catalog.cache_clear()
    settings = replace(load_settings(REPLAY), mode="live", has_api_key=True, dotenv_path=None)
    assert "環境変数" in mode_banner(settings)
    assert "the environment" not in mode_banner(settings)
    catalog.cache_clear()


def test_a_mistyped_model_is_flagged_in_the_banner(capsys):
    settings = load_settings({**REPLAY, "STREAMING_COURSE_MODEL": "claude-hiaku-5-5"})
    make_client(settings)
    lines = capsys.readouterr().out.splitlines()
    assert "did you mean claude-haiku-5-5?" in lines[1]
    assert model_warnings(load_settings(REPLAY)) == []  # the course's own models are listed


def test_doctor_reports_a_mistyped_model_as_a_problem():
    environment = {**os.environ, **REPLAY, "STREAMING_COURSE_MODEL": "claude-hiaku-5-5"}
    environment["STREAMING_COURSE_LANG"] = "en"
    done = subprocess.run(
        [sys.executable, "-m", "streaming_course.cli", "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert done.returncode == 1
    problems = [line for line in done.stdout.splitlines() if line.startswith("problem:")]
    assert any("claude-hiaku-5-5 is not a model" in line for line in problems), problems
