"""Rows for ``streaming-course doctor``: can this machine use Bedrock, and how is it set?

    >>> for name, value in bedrock_status():          # doctest: +SKIP
    ...     print(f"{name:<22} {value}")
    boto3                  1.44.5
    AWS credentials found  no
    AWS region             not set
    Bedrock mode           replay
    Bedrock model          anthropic.claude-haiku-5-5-v1:0

It says whether AWS credentials were found, never what they are. Without the ``bedrock``
extra (boto3) it shows one row, ``boto3  not installed (…how to install it)``.
"""

from __future__ import annotations

import os
from importlib.metadata import version

from ..config import ConfigError
from ..i18n import message
from .settings import load_bedrock_settings


def bedrock_status() -> list[tuple[str, str]]:
    """(label, value) rows: boto3 installed, credentials found, region, mode and model."""
    try:
        found, region = _aws_configuration()
    except ModuleNotFoundError:  # the bedrock extra is not installed
        return [("boto3", message("bedrock.status_not_installed"))]
    rows = [
        ("boto3", version("boto3")),
        (
            message("bedrock.status_credentials"),
            message("bedrock.status_yes" if found else "bedrock.status_no"),
        ),
        (message("bedrock.status_region"), region or message("bedrock.status_not_set")),
    ]
    try:
        settings = load_bedrock_settings()
    except ConfigError as error:
        return [*rows, (message("bedrock.status_mode"), str(error))]
    return [
        *rows,
        (message("bedrock.status_mode"), settings.mode),
        (message("bedrock.status_model"), settings.model),
    ]


def _aws_configuration() -> tuple[bool, str | None]:
    """(whether credentials were found, the region), as the Bedrock clients find them.

    `AnthropicBedrock` reads ``AWS_REGION`` first; botocore reads ``AWS_DEFAULT_REGION``
    and the profile's region.
    """
    import boto3  # noqa: F401  (only to see that the extra is installed)
    import botocore.exceptions
    import botocore.session

    session = botocore.session.Session()
    try:
        found = session.get_credentials() is not None
        region = os.environ.get("AWS_REGION") or session.get_config_variable("region")
    except botocore.exceptions.BotoCoreError:  # e.g. AWS_PROFILE names a missing profile
        return False, None
    return found, region
