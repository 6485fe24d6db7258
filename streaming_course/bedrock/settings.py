"""The appendix's settings for Amazon Bedrock: which mode, which model, which region.

Bedrock is live only when you ask for it, because it runs on your AWS account, not on an
Anthropic API key; ``STREAMING_COURSE_MODE=replay`` keeps it in replay whatever you ask.
Variables (all optional, read like the course's others, `.env` included):

=================================  =========================================================
``STREAMING_COURSE_BEDROCK_MODE``  ``replay`` (default) or ``live`` (your AWS account)
``STREAMING_COURSE_BEDROCK_MODEL`` a Bedrock model id or inference profile id
``AWS_REGION`` and the rest        live mode only: boto3's usual configuration
=================================  =========================================================

    >>> settings = load_bedrock_settings({})
    >>> settings.mode, settings.model
    ('replay', 'anthropic.claude-haiku-5-5-v1:0')
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..config import ConfigError, Settings, load_settings

DEFAULT_BEDROCK_MODEL = "anthropic.claude-haiku-5-5-v1:0"
BEDROCK_MODES = ("replay", "live")
REPLAY_REGION = "us-east-1"  # replay mode only: the SDKs need a region even offline


@dataclass(frozen=True)
class BedrockSettings:
    """Where the appendix's Bedrock clients go, on top of the course's own settings."""

    mode: str  # "replay" or "live"
    model: str  # e.g. "anthropic.claude-…" or an inference profile id "us.anthropic.claude-…"
    course: Settings  # replay speed, strict matching, fixture folders, language


def load_bedrock_settings(environ: dict[str, str] | None = None) -> BedrockSettings:
    """Read the Bedrock settings (from `environ` if given, else `.env` and the environment).

    >>> load_bedrock_settings({"STREAMING_COURSE_BEDROCK_MODE": "live"}).mode
    'live'
    >>> load_bedrock_settings({"STREAMING_COURSE_BEDROCK_MODE": "live",
    ...                        "STREAMING_COURSE_MODE": "replay"}).mode
    'replay'
    """
    course = load_settings(environ)
    if environ is None:
        environ = dict(os.environ)  # load_settings has read `.env` into it
    mode = environ.get("STREAMING_COURSE_BEDROCK_MODE", "").strip().lower() or "replay"
    if mode not in BEDROCK_MODES:
        raise ConfigError(
            f"STREAMING_COURSE_BEDROCK_MODE={mode!r} is not a mode: use replay or live."
        )
    if environ.get("STREAMING_COURSE_MODE", "").strip().lower() == "replay":
        mode = "replay"  # the course is told to stay offline: Bedrock too
    model = environ.get("STREAMING_COURSE_BEDROCK_MODEL", "").strip() or DEFAULT_BEDROCK_MODEL
    return BedrockSettings(mode=mode, model=model, course=course)
