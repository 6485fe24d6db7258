"""Make the `anthropic` client the lessons use: live, or replaying recorded streams.

    >>> from streaming_course import make_client
    >>> client = make_client(banner=False)  # without banner=False it prints "Mode: replay (…"
    >>> type(client).__name__
    'Anthropic'
    >>> stream = client.messages.create(model=MODEL, max_tokens=64, stream=True,
    ...     messages=[{"role": "user", "content": "Hello"}])      # doctest: +SKIP

Either way it is the real SDK client; in replay mode only the transport under it differs.
Every response passes a `WireTap`, so the wire view works in both modes.
"""

from __future__ import annotations

import difflib
from functools import partial
from typing import get_args

import anthropic
import httpx2

from .config import PACKAGE_FIXTURES, ConfigError, Settings, load_settings
from .i18n import message
from .replay.fallback import fallback_fixture
from .replay.library import FixtureLibrary
from .replay.tap import WireTap
from .replay.transport import ReplayTransport

REPLAY_KEY = "replay-mode-no-key"  # sent nowhere: the replay transport never leaves the process


def make_client(
    settings: Settings | None = None, *, banner: bool = True, **client_options: object
) -> anthropic.Anthropic:
    """A real `anthropic.Anthropic`; `client_options` go to it (e.g. ``max_retries=0``)."""
    settings = settings or load_settings()
    if settings.mode == "live":
        _announce(settings, banner)
        transport: httpx2.BaseTransport = WireTap(httpx2.HTTPTransport())
        return anthropic.Anthropic(http_client=httpx2.Client(transport=transport), **client_options)
    replay = replay_transport(settings)
    _announce(settings, banner, replay.library)
    return replay_client(replay, **client_options)


def make_async_client(
    settings: Settings | None = None, *, banner: bool = True, **client_options: object
) -> anthropic.AsyncAnthropic:
    """A real `anthropic.AsyncAnthropic`, live or replaying, like `make_client`."""
    settings = settings or load_settings()
    if settings.mode == "live":
        _announce(settings, banner)
        transport = WireTap(httpx2.AsyncHTTPTransport())
        return anthropic.AsyncAnthropic(
            http_client=httpx2.AsyncClient(transport=transport), **client_options
        )
    replay = replay_transport(settings)
    _announce(settings, banner, replay.library)
    http_client = httpx2.AsyncClient(transport=WireTap(replay))
    return anthropic.AsyncAnthropic(api_key=REPLAY_KEY, http_client=http_client, **client_options)


def replay_client(replay: ReplayTransport, **client_options: object) -> anthropic.Anthropic:
    """A real `anthropic.Anthropic` answered by `replay`, with a wire tap (no banner).

    >>> from streaming_course.replay.library import FixtureLibrary
    >>> client = replay_client(ReplayTransport(FixtureLibrary([]), speed=0), max_retries=0)
    >>> client.api_key
    'replay-mode-no-key'
    """
    return anthropic.Anthropic(
        api_key=REPLAY_KEY, http_client=httpx2.Client(transport=WireTap(replay)), **client_options
    )


def replay_transport(settings: Settings) -> ReplayTransport:
    """The transport that serves the course's recordings with the settings' speed and strictness."""
    library = FixtureLibrary.from_dirs(settings.fixture_dirs)
    return ReplayTransport(
        library,
        speed=settings.replay_speed,
        strict=settings.strict_replay,
        fallback=partial(fallback_fixture, library=library),
    )


def mode_banner(settings: Settings) -> str:
    """One line naming the mode and the model; it says where a key was found, never the key.

    In replay mode it says that the course's recordings are synthesized (and that yours,
    from ``STREAMING_COURSE_FIXTURES``, come first when you have some).
    """
    if settings.mode == "live":
        source = message("mode.key_in_dotenv" if settings.dotenv_path else "mode.key_in_env")
        return message("mode.live", key_source=source, model=settings.model)
    recordings = message("mode.yours_then_synth" if _has_own(settings) else "mode.synth")
    if settings.replay_speed == 0:
        return message("mode.replay_instant", recordings=recordings, model=settings.model)
    speed = f"{settings.replay_speed:g}"
    return message("mode.replay", recordings=recordings, speed=speed, model=settings.model)


KNOWN_MODELS = frozenset(get_args(get_args(anthropic.types.Model)[0]))
"""The model ids this version of the SDK lists."""


def model_warnings(settings: Settings) -> list[str]:
    """A line for each model setting the SDK does not list (a typo fails only when live).

    >>> from dataclasses import replace
    >>> from streaming_course.config import load_settings
    >>> model_warnings(replace(load_settings({}), model="claude-hiaku-5-5"))[0][:40]
    '⚠ claude-hiaku-5-5 is not a model this v'
    """
    lines = []
    for name in dict.fromkeys((settings.model, settings.large_model)):
        if name not in KNOWN_MODELS:
            close = difflib.get_close_matches(name, sorted(KNOWN_MODELS), n=1)
            key = "mode.unknown_model_like" if close else "mode.unknown_model"
            lines.append(message(key, model=name, like=close[0] if close else ""))
    return lines


def _has_own(settings: Settings) -> bool:
    return any(folder != PACKAGE_FIXTURES for folder in settings.fixture_dirs)


def _announce(settings: Settings, banner: bool, library: FixtureLibrary | None = None) -> None:
    if settings.mode == "live" and not settings.has_api_key:
        raise ConfigError(message("mode.no_key"))
    if banner:
        print(mode_banner(settings))
        for warning in model_warnings(settings):
            print(warning)
        for skipped in library.skipped if library is not None else ():
            print(message("mode.skipped_fixture", reason=skipped.reason))
