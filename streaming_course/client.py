"""Make the `anthropic` client the lessons use: live, or replaying recorded streams.

    >>> from streaming_course import make_client
    >>> client = make_client()          # prints e.g. "Mode: replay (...) · model: claude-haiku-5-5"
    >>> stream = client.messages.create(model=MODEL, max_tokens=64, stream=True,
    ...     messages=[{"role": "user", "content": "Hello"}])      # doctest: +SKIP

Either way it is the real SDK client; in replay mode only the transport under it differs.
Every response passes a `WireTap`, so the wire view works in both modes.
"""

from __future__ import annotations

import anthropic
import httpx2

from .config import ConfigError, Settings, load_settings
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
    _announce(settings, banner)
    if settings.mode == "live":
        transport: httpx2.BaseTransport = WireTap(httpx2.HTTPTransport())
        return anthropic.Anthropic(http_client=httpx2.Client(transport=transport), **client_options)
    transport = WireTap(replay_transport(settings))
    return anthropic.Anthropic(
        api_key=REPLAY_KEY, http_client=httpx2.Client(transport=transport), **client_options
    )


def make_async_client(
    settings: Settings | None = None, *, banner: bool = True, **client_options: object
) -> anthropic.AsyncAnthropic:
    """A real `anthropic.AsyncAnthropic`, live or replaying, like `make_client`."""
    settings = settings or load_settings()
    _announce(settings, banner)
    if settings.mode == "live":
        transport = WireTap(httpx2.AsyncHTTPTransport())
        return anthropic.AsyncAnthropic(
            http_client=httpx2.AsyncClient(transport=transport), **client_options
        )
    transport = WireTap(replay_transport(settings))
    return anthropic.AsyncAnthropic(
        api_key=REPLAY_KEY, http_client=httpx2.AsyncClient(transport=transport), **client_options
    )


def replay_transport(settings: Settings) -> ReplayTransport:
    """The transport that serves the course's recordings with the settings' speed and strictness."""
    return ReplayTransport(
        FixtureLibrary.from_dirs(settings.fixture_dirs),
        speed=settings.replay_speed,
        strict=settings.strict_replay,
        fallback=fallback_fixture,
    )


def mode_banner(settings: Settings) -> str:
    """One line naming the mode and the model; it says where a key was found, never the key."""
    if settings.mode == "live":
        source = ".env" if settings.dotenv_path else "the environment"
        return message("mode.live", key_source=source, model=settings.model)
    if settings.replay_speed == 0:
        return message("mode.replay_instant", model=settings.model)
    return message("mode.replay", speed=f"{settings.replay_speed:g}", model=settings.model)


def _announce(settings: Settings, banner: bool) -> None:
    if settings.mode == "live" and not settings.has_api_key:
        raise ConfigError(message("mode.no_key"))
    if banner:
        print(mode_banner(settings))
