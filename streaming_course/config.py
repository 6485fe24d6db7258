"""Every setting of the course, read in one place from the environment and a `.env` file.

    >>> from streaming_course.config import load_settings
    >>> settings = load_settings()
    >>> settings.mode in ("live", "replay")
    True

Variables (all optional):

=================================  =========================================================
``ANTHROPIC_API_KEY``              your key; its presence switches ``auto`` mode to live
                                   (checked: no spaces, quotes or unusual characters)
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
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values, find_dotenv, load_dotenv

from .i18n import message
from .language import LANGUAGES, NOTEBOOK_FOLDERS, detect_language

__all__ = ["LANGUAGES", "NOTEBOOK_FOLDERS", "detect_language"]  # re-exported from `language`

DEFAULT_MODEL = "claude-haiku-5-5"
DEFAULT_LARGE_MODEL = "claude-opus-5-5"
MODES = ("auto", "live", "replay")
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

    language = detect_language(environ.get("STREAMING_COURSE_LANG", ""))
    has_key = _checked_key(environ.get("ANTHROPIC_API_KEY", ""), dotenv_path, language)
    return Settings(
        mode=_resolve_mode(environ.get("STREAMING_COURSE_MODE", "auto"), has_key, language),
        model=environ.get("STREAMING_COURSE_MODEL", "").strip() or DEFAULT_MODEL,
        large_model=environ.get("STREAMING_COURSE_LARGE_MODEL", "").strip() or DEFAULT_LARGE_MODEL,
        replay_speed=_parse_speed(environ.get("STREAMING_COURSE_REPLAY_SPEED", "1.0"), language),
        strict_replay=environ.get("STREAMING_COURSE_REPLAY_STRICT", "0").strip() in ("1", "true"),
        fixture_dirs=_fixture_dirs(environ.get("STREAMING_COURSE_FIXTURES", "")),
        language=language,
        has_api_key=has_key,
        dotenv_path=dotenv_path,
    )


def check_api_key(raw: str, source: str | None = None, language: str | None = None) -> bool:
    """True if a key is set; a key that cannot go into an HTTP header is refused.

    A space, a quote or a line break copied with the key would make every request fail
    (the key travels in a header), and the error would quote the header, key and all. So
    the key is checked here, once, and the error names what is wrong, never the key.
    `source` says where the key came from (default: the environment); the error is in
    `language` (default: the learner's).

    >>> check_api_key(""), check_api_key("sk-ant-" + "x" * 20)
    (False, True)
    >>> try:
    ...     check_api_key("sk-ant-" + "x" * 20 + " ")
    ... except ConfigError as error:
    ...     print(str(error)[:57])
    ANTHROPIC_API_KEY (in the environment) ends with a space:
    """
    if not raw.strip():
        return False
    source = source or message("mode.key_in_env", language)
    name = message("config.key_name", language, source=source)
    for end, char in (("starts", raw[0]), ("ends", raw[-1])):
        if char.isspace() or char in "\"'`":
            quoted = char in "\"'`"
            what = message("config.quote", language) if quoted else _describe(char, language)
            raise ConfigError(message(f"config.key_{end}_with", language, name=name, what=what))
    for position, char in enumerate(raw, start=1):
        if char.isspace() or not char.isascii() or not char.isprintable():
            what = _describe(char, language)
            raise ConfigError(
                message("config.key_has", language, name=name, what=what, position=position)
            )
    return True


def _describe(char: str, language: str | None) -> str:
    """A character named without showing it: ``a space``, ``a line break``, ``U+00A0 (...)``."""
    named = {" ": "space", "\r": "line_break", "\n": "line_break", "\t": "tab"}
    if char in named:
        return message(f"config.{named[char]}", language)
    name = unicodedata.name(char, "").lower() or message("config.control", language)
    return f"U+{ord(char):04X} ({name})"


def _checked_key(raw: str, dotenv_path: Path | None, language: str) -> bool:
    """`check_api_key`, whose error names the file the key came from (read only then)."""
    try:
        return check_api_key(raw, language=language)
    except ConfigError:
        return check_api_key(raw, _key_source(dotenv_path, language), language)


def _key_source(dotenv_path: Path | None, language: str) -> str:
    """Where the key came from, for error messages: the `.env` file, or the environment."""
    if dotenv_path is not None and dotenv_values(dotenv_path).get("ANTHROPIC_API_KEY"):
        return str(dotenv_path.name)
    return message("mode.key_in_env", language)


def _resolve_mode(raw: str, has_key: bool, language: str) -> str:
    mode = raw.strip().lower() or "auto"
    if mode not in MODES:
        raise ConfigError(message("config.bad_mode", language, value=repr(raw)))
    if mode == "auto":
        return "live" if has_key else "replay"
    return mode


def _parse_speed(raw: str, language: str) -> float:
    try:
        speed = float(raw)
    except ValueError:
        speed = -1.0
    if speed < 0:
        raise ConfigError(message("config.bad_speed", language, value=repr(raw)))
    return speed


def _fixture_dirs(raw: str) -> tuple[Path, ...]:
    extra = [Path(part).expanduser() for part in raw.split(os.pathsep) if part.strip()]
    return (*extra, PACKAGE_FIXTURES)
