"""Make the appendix's Bedrock clients: `AnthropicBedrock`, and boto3's ``bedrock-runtime``.

    >>> from streaming_course.bedrock import make_bedrock_client, make_converse_client
    >>> client = make_bedrock_client()     # doctest: +SKIP
    Bedrock: replay (synthesized recordings at 1× their modelled pace) · model: anthropic.claude-…
    >>> runtime = make_converse_client()   # doctest: +SKIP

Both are the real clients. In replay mode (the default) the requests are signed with
made-up credentials for a made-up region and answered from recordings, at recorded pace,
without leaving the process. In live mode (``STREAMING_COURSE_BEDROCK_MODE=live``) they
use your AWS configuration: credentials, region, profile, as boto3 finds them.
"""

from __future__ import annotations

import os
from typing import Any

import anthropic
import boto3
import httpx2

from ..i18n import message
from ..replay.library import FixtureLibrary
from .converse import CONVERSE
from .replay import BedrockReplayTransport, ConverseReplay, bedrock_fallback, converse_fallback
from .settings import REPLAY_REGION, BedrockSettings, load_bedrock_settings

REPLAY_CREDENTIAL = "replay-mode-not-a-credential"  # signs requests that never leave the process


def make_bedrock_client(
    settings: BedrockSettings | None = None, *, banner: bool = True, **client_options: Any
) -> anthropic.AnthropicBedrock:
    """A real `anthropic.AnthropicBedrock`; `client_options` go to it (e.g. ``max_retries=0``)."""
    settings = settings or load_bedrock_settings()
    _announce(settings, banner)
    if settings.mode == "live":
        return anthropic.AnthropicBedrock(**client_options)
    transport = bedrock_transport(settings)
    return anthropic.AnthropicBedrock(
        aws_access_key=REPLAY_CREDENTIAL,
        aws_secret_key=REPLAY_CREDENTIAL,
        aws_region=REPLAY_REGION,
        http_client=httpx2.Client(transport=transport),
        **client_options,
    )


def make_async_bedrock_client(
    settings: BedrockSettings | None = None, *, banner: bool = True, **client_options: Any
) -> anthropic.AsyncAnthropicBedrock:
    """The async twin of `make_bedrock_client`."""
    settings = settings or load_bedrock_settings()
    _announce(settings, banner)
    if settings.mode == "live":
        return anthropic.AsyncAnthropicBedrock(**client_options)
    transport = bedrock_transport(settings)
    return anthropic.AsyncAnthropicBedrock(
        aws_access_key=REPLAY_CREDENTIAL,
        aws_secret_key=REPLAY_CREDENTIAL,
        aws_region=REPLAY_REGION,
        http_client=httpx2.AsyncClient(transport=transport),
        **client_options,
    )


def make_converse_client(settings: BedrockSettings | None = None, *, banner: bool = True) -> Any:
    """A real boto3 ``bedrock-runtime`` client, for ``converse_stream``."""
    settings = settings or load_bedrock_settings()
    _announce(settings, banner)
    if settings.mode == "live":
        # boto3 reads AWS_DEFAULT_REGION and the profile; AWS_REGION too, like AnthropicBedrock.
        return boto3.client("bedrock-runtime", region_name=os.environ.get("AWS_REGION"))
    session = boto3.session.Session(
        aws_access_key_id=REPLAY_CREDENTIAL,
        aws_secret_access_key=REPLAY_CREDENTIAL,
        region_name=REPLAY_REGION,
    )
    client = session.client("bedrock-runtime")
    converse_replay(settings).register(client)
    return client


def bedrock_transport(settings: BedrockSettings) -> BedrockReplayTransport:
    """The `AnthropicBedrock` replay, with the course's fixtures, speed and strictness."""
    course = settings.course
    return BedrockReplayTransport(
        FixtureLibrary.from_dirs(course.fixture_dirs),
        speed=course.replay_speed,
        strict=course.strict_replay,
        fallback=bedrock_fallback,
    )


def converse_replay(settings: BedrockSettings) -> ConverseReplay:
    """The ``converse_stream`` replay, with the course's fixtures, speed and strictness."""
    course = settings.course
    return ConverseReplay(
        FixtureLibrary.from_dirs(course.fixture_dirs, CONVERSE),
        speed=course.replay_speed,
        strict=course.strict_replay,
        fallback=converse_fallback,
    )


def bedrock_banner(settings: BedrockSettings) -> str:
    """One line naming the mode and the model (never a credential)."""
    if settings.mode == "live":
        return message("bedrock.mode_live", model=settings.model)
    speed = settings.course.replay_speed
    if speed == 0:
        return message("bedrock.mode_replay_instant", model=settings.model)
    return message("bedrock.mode_replay", speed=f"{speed:g}", model=settings.model)


def _announce(settings: BedrockSettings, banner: bool) -> None:
    if banner:
        print(bedrock_banner(settings))
