"""The labelled reply a learner gets from a Bedrock replay when there is no recording.

Like the main replay's (`replay/fallback.py`), it is a real stream, paced like the model,
whose text says plainly that it is a replay and how to use Bedrock live.

    >>> converse_fallback({"modelId": "anthropic.claude-haiku-5-5-v1:0",
    ...     "messages": [{"role": "user", "content": [{"text": "Anything"}]}]}).name
    'replay-fallback'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import message
from ..replay.fallback import FALLBACK_NAME
from ..replay.fixture import Fixture
from ..replay.synth import TextBlock, synthesize
from .converse_fixture import CONVERSE_SUFFIX
from .converse_synth import synthesize_converse


def bedrock_fallback(request: dict[str, Any]) -> Fixture:
    """A labelled stand-in for an `AnthropicBedrock` request (a Messages API request)."""
    reply = TextBlock(message("bedrock.fallback_reply"))
    fixture = synthesize(request, [reply], seed=FALLBACK_NAME)
    fixture.path = Path(f"{FALLBACK_NAME}.sse")
    return fixture


def converse_fallback(request: dict[str, Any]) -> Fixture:
    """A labelled stand-in for a ``converse_stream`` request."""
    fixture = synthesize_converse(request, message("bedrock.fallback_reply"), seed=FALLBACK_NAME)
    fixture.path = Path(f"{FALLBACK_NAME}{CONVERSE_SUFFIX}")
    return fixture
