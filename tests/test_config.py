"""Settings: the mode rule, the banner that never shows a key, and clear errors."""

from __future__ import annotations

import os

import pytest

from streaming_course.client import make_client, mode_banner
from streaming_course.config import ConfigError, load_settings

A_KEY = "sk-ant-" + "x" * 12  # built at run time: no key-like string is committed


def test_auto_mode_is_live_with_a_key_and_replay_without():
    assert load_settings({}).mode == "replay"
    assert load_settings({"ANTHROPIC_API_KEY": A_KEY}).mode == "live"
    assert load_settings({"ANTHROPIC_API_KEY": A_KEY, "STREAMING_COURSE_MODE": "replay"}).mode == (
        "replay"
    )


def test_the_banner_names_mode_and_model_but_never_the_key():
    live = load_settings({"ANTHROPIC_API_KEY": A_KEY, "STREAMING_COURSE_MODEL": "claude-x"})
    banner = mode_banner(live)
    assert "live" in banner and "claude-x" in banner
    assert not any(A_KEY[i : i + 6] in banner for i in range(len(A_KEY) - 5))
    assert "replay" in mode_banner(load_settings({}))


def test_live_mode_without_a_key_says_what_to_put_where():
    settings = load_settings({"STREAMING_COURSE_MODE": "live"})
    with pytest.raises(ConfigError, match=r"ANTHROPIC_API_KEY=.*\.env"):
        make_client(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [("STREAMING_COURSE_MODE", "offline"), ("STREAMING_COURSE_REPLAY_SPEED", "fast")],
)
def test_bad_settings_get_a_one_line_error(name, value):
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert name in str(caught.value) and "\n" not in str(caught.value)


def test_dotenv_is_found_above_the_notebook_folder(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("STREAMING_COURSE_MODEL=claude-from-dotenv\n")
    notebooks = tmp_path / "notebooks" / "ja"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)
    # load_dotenv writes into os.environ: give it a copy, so no other test sees the values
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STREAMING_COURSE_")}
    monkeypatch.setattr(os, "environ", environ)
    settings = load_settings()
    assert settings.model == "claude-from-dotenv"
    assert settings.dotenv_path == tmp_path / ".env"
    assert settings.language == "ja"


# --- A key that cannot go into a header is refused in one line, never shown ---------------

SECRET = "sk-ant-api03-" + "k" * 40


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (SECRET + " ", "ends with a space"),
        (" " + SECRET, "starts with a space"),
        (SECRET + "\n", "ends with a line break"),
        (f'"{SECRET}"', "starts with a quote"),
        (SECRET + "'", "ends with a quote"),
        (SECRET[:20] + " " + SECRET[20:], "has a space at character 21"),
        (SECRET[:20] + "\u00a0" + SECRET[20:], "U+00A0 (no-break space)"),
        (SECRET[:20] + "é" + SECRET[20:], "U+00E9"),
        (SECRET[:20] + "\x07" + SECRET[20:], "U+0007"),
    ],
    ids=["trailing", "leading", "newline", "quoted", "quote", "inside", "nbsp", "accent", "bell"],
)
def test_a_key_that_cannot_go_into_a_header_is_refused_in_one_line(key, says):
    with pytest.raises(ConfigError) as caught:
        load_settings({"ANTHROPIC_API_KEY": key})
    text = str(caught.value)
    assert says in text and "ANTHROPIC_API_KEY" in text and "\n" not in text
    assert not any(SECRET[i : i + 8] in text for i in range(len(SECRET) - 7)), "no part of the key"


def test_a_trailing_space_in_dotenv_is_one_line_from_doctor_and_the_chat(
    tmp_path, monkeypatch, capsys
):
    from streaming_course import doctor
    from streaming_course.cli import main

    (tmp_path / ".env").write_text(f'ANTHROPIC_API_KEY="{SECRET} "\n')
    monkeypatch.chdir(tmp_path)
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("STREAMING_COURSE_", "ANTHROPIC_"))
    }
    monkeypatch.setattr(os, "environ", environ)
    with pytest.raises(ConfigError, match=r"ANTHROPIC_API_KEY \(in \.env\) ends with a space"):
        load_settings()
    with pytest.raises(ConfigError):
        make_client()

    assert doctor.run() == 1
    report = capsys.readouterr().out
    problems = [line for line in report.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 1 and "ANTHROPIC_API_KEY (in .env) ends with a space" in problems[0]

    assert main(["chat"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "ends with a space" in captured.err
    assert SECRET not in report + captured.out + captured.err


# --- The settings' errors speak the learner's language ------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "english", "japanese"),
    [
        ("STREAMING_COURSE_MODE", "offline", "is not a mode", "はモードではありません"),
        ("STREAMING_COURSE_REPLAY_SPEED", "fast", "is not a speed", "は速さではありません"),
        ("ANTHROPIC_API_KEY", SECRET + " ", "ends with a space", "の末尾にスペースがあります"),
        ("ANTHROPIC_API_KEY", SECRET[:9] + "\t" + SECRET[9:], "has a tab at character 10", "タブ"),
    ],
    ids=["mode", "speed", "key-end", "key-inside"],
)
def test_setting_errors_are_in_the_learners_language(setting, value, english, japanese):
    for language, says in (("en", english), ("ja", japanese)):
        with pytest.raises(ConfigError) as caught:
            load_settings({setting: value, "STREAMING_COURSE_LANG": language})
        text = str(caught.value)
        assert says in text and setting in text and "\n" not in text
        assert SECRET[5:20] not in text, "no part of the key"
    with pytest.raises(ConfigError) as caught:
        load_settings({setting: value, "STREAMING_COURSE_LANG": "ja"})
    assert not any(word in str(caught.value) for word in ("use ", "remove", "restart", " is not"))


def test_the_japanese_edition_folder_gets_japanese_errors(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks" / "ja"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    with pytest.raises(ConfigError, match="はモードではありません"):
        load_settings({"STREAMING_COURSE_MODE": "offline"})
