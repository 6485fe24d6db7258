"""Amazon Bedrock for the appendix: clients that run live or from recordings, and an adapter.

=============================  ==============================================================
`make_bedrock_client`          a real `anthropic.AnthropicBedrock` (async: ``make_async_…``)
`make_converse_client`         a real boto3 ``bedrock-runtime`` client, for converse_stream
`converse_events`              a Converse stream read as the course's `StreamEvent` records
`print_converse_text`          print a Converse reply as it arrives (``…_events``: each event)
`measure_converse`             time a Converse reply, like `timing.measure`
`bedrock_status`               rows for ``streaming-course doctor``
=============================  ==============================================================

Replay is the default; ``STREAMING_COURSE_BEDROCK_MODE=live`` uses your AWS account.

    >>> from streaming_course.bedrock import load_bedrock_settings, make_converse_client
    >>> runtime = make_converse_client()      # doctest: +SKIP
"""

from .adapter import ConverseEvents, ConverseOutcome, converse_events
from .client import make_async_bedrock_client, make_bedrock_client, make_converse_client
from .converse_printers import (
    measure_converse,
    print_converse_events,
    print_converse_text,
)
from .doctor import bedrock_status
from .settings import BedrockSettings, load_bedrock_settings

__all__ = [
    "BedrockSettings",
    "ConverseEvents",
    "ConverseOutcome",
    "bedrock_status",
    "converse_events",
    "load_bedrock_settings",
    "make_async_bedrock_client",
    "make_bedrock_client",
    "make_converse_client",
    "measure_converse",
    "print_converse_events",
    "print_converse_text",
]
