"""Amazon Bedrock for the appendix: clients that run live or from recordings, and an adapter.

Only what is Bedrock's lives here: event-stream frames (`eventstream`), the Converse shape
(`converse`: its fixtures, matching and synthesis), its adapter and printers, the hooks that
put the course's one replay in Bedrock's envelope (`replay`), the settings and the clients.

=============================  ==============================================================
`make_bedrock_client`          a real `anthropic.AnthropicBedrock` (async: ``make_async_…``)
`make_converse_client`         a real boto3 ``bedrock-runtime`` client, for converse_stream
`converse_events`              a Converse stream read as the course's `StreamEvent` records
`print_converse_text`          print a Converse reply as it arrives (``…_events``: each event)
`measure_converse`             time a Converse reply, like `timing.measure`
`load_bedrock_settings`        the mode (replay or live) and the model
=============================  ==============================================================

Replay is the default; ``STREAMING_COURSE_BEDROCK_MODE=live`` uses your AWS account.

    >>> from streaming_course.bedrock import load_bedrock_settings, make_converse_client
    >>> runtime = make_converse_client()      # doctest: +SKIP

The clients and the adapter need the course's ``bedrock`` extra (boto3 and botocore). Without
it this package still imports (the doctor and the fixture builder use its settings and its
Converse shape), and asking for one of those names raises `ImportError` with one line that
says how to install the extra.
"""

from ..i18n import message
from .settings import BedrockSettings, load_bedrock_settings

try:
    from .adapter import ConverseEvents, ConverseOutcome, converse_events
    from .client import make_async_bedrock_client, make_bedrock_client, make_converse_client
    from .converse_printers import (
        measure_converse,
        print_converse_events,
        print_converse_text,
    )
except ModuleNotFoundError as missing:
    _MISSING = (missing.name or "").split(".")[0]
    if _MISSING not in ("boto3", "botocore"):
        raise

    def __getattr__(name: str) -> object:
        """Names that need boto3 explain how to install it instead of being missing."""
        if name in __all__:
            raise ImportError(message("bedrock_extra.missing", module=_MISSING), name=name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BedrockSettings",
    "ConverseEvents",
    "ConverseOutcome",
    "converse_events",
    "load_bedrock_settings",
    "make_async_bedrock_client",
    "make_bedrock_client",
    "make_converse_client",
    "measure_converse",
    "print_converse_events",
    "print_converse_text",
]
