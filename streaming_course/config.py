"""Every setting of the course, read in one place from the environment and a `.env` file.

    >>> from streaming_course.config import load_settings
    >>> settings = load_settings()
    >>> settings.mode in ("live", "replay")
    True

Variables (all optional):

=================================  =========================================================
``ANTHROPIC_API_KEY``              your key; its presence switches ``auto`` mode to live
``STREAMING_COURSE_MODE``          ``auto`` (default), ``live`` or ``replay``
``STREAMING_COURSE_MODEL``         the model the lessons use
``STREAMING_COURSE_LARGE_MODEL``   the large model of the time-to-first-token lesson
``STREAMING_COURSE_REPLAY_SPEED``  1.0 = recorded pace (default), 4 = four times faster,
                                   0 = no waiting at all
``STREAMING_COURSE_REPLAY_STRICT`` 1 = a request with no recording is an error (tests)
``STREAMING_COURSE_FIXTURES``      extra folders of recordings, separated by ``os.pathsep``
``STREAMING_COURSE_LANG``          language of the helper's messages (default: from the folder)
=================================  =========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

DEFAULT_MODEL = "claude-haiku-5-5"
DEFAULT_LARGE_MODEL = "claude-opus-5-5"
MODES = ("auto", "live", "replay")
LANGUAGES = ("en", "ja")
PACKAGE_FIXTURES = Path(__file__).parent / "fixtures"


class ConfigError(ValueError):
    """A setting has a value the course cannot use; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """The course's settings after `.env` and the environment were read."""

    mode: str  # "live" or "replay": "auto" is resolved already
    model: str
    large_model: str
    replay_speed: float
    strict_replay: bool
    fixture_dirs: tuple[Path, ...]
    language: str
    has_api_key: bool
    dotenv_path: Path | None


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings; `.env` is searched for upward from the working directory.

    Values already in the environment win over `.env`. Pass `environ` to read from
    a dictionary instead (tests do), in which case no `.env` is loaded.
    """
    dotenv_path = None
    if environ is None:
        found = find_dotenv(usecwd=True)
        if found:
            dotenv_path = Path(found)
            load_dotenv(dotenv_path, override=False)
        environ = dict(os.environ)

    has_key = bool(environ.get("ANTHROPIC_API_KEY", "").strip())
    return Settings(
        mode=_resolve_mode(environ.get("STREAMING_COURSE_MODE", "auto"), has_key),
        model=environ.get("STREAMING_COURSE_MODEL", "").strip() or DEFAULT_MODEL,
        large_model=environ.get("STREAMING_COURSE_LARGE_MODEL", "").strip() or DEFAULT_LARGE_MODEL,
        replay_speed=_parse_speed(environ.get("STREAMING_COURSE_REPLAY_SPEED", "1.0")),
        strict_replay=environ.get("STREAMING_COURSE_REPLAY_STRICT", "0").strip() in ("1", "true"),
        fixture_dirs=_fixture_dirs(environ.get("STREAMING_COURSE_FIXTURES", "")),
        language=detect_language(environ.get("STREAMING_COURSE_LANG", "")),
        has_api_key=has_key,
        dotenv_path=dotenv_path,
    )


def _resolve_mode(raw: str, has_key: bool) -> str:
    mode = raw.strip().lower() or "auto"
    if mode not in MODES:
        raise ConfigError(f"STREAMING_COURSE_MODE={raw!r} is not a mode: use auto, live or replay.")
    if mode == "auto":
        return "live" if has_key else "replay"
    return mode


def _parse_speed(raw: str) -> float:
    try:
        speed = float(raw)
    except ValueError:
        speed = -1.0
    if speed < 0:
        raise ConfigError(
            f"STREAMING_COURSE_REPLAY_SPEED={raw!r} is not a speed: use a number ≥ 0 "
            "(1 = recorded pace, 0 = no waiting)."
        )
    return speed


def _fixture_dirs(raw: str) -> tuple[Path, ...]:
    extra = [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]
    return (*extra, PACKAGE_FIXTURES)


def detect_language(raw: str | None = None) -> str:
    """The language of an explicit setting, else of the `notebooks/<lang>/` folder we run in.

    >>> detect_language("ja")
    'ja'
    """
    if raw is None:
        raw = os.environ.get("STREAMING_COURSE_LANG", "")
    language = raw.strip().lower()
    if language:
        return language if language in LANGUAGES else "en"
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if folder.parent.name == "notebooks" and folder.name in LANGUAGES:
            return folder.name
    return "en"
