"""The reply a learner gets in replay mode when the course has no recording for a request.

It is a real stream of events, paced like a small model, so the cell keeps running and
shows how streaming looks; its text says plainly that it is a replay and how to go live.

    >>> fixture = fallback_fixture({"model": "claude-haiku-5-5", "max_tokens": 300,
    ...     "stream": True, "messages": [{"role": "user", "content": "Anything"}]})
    >>> fixture.name
    'replay-fallback'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..i18n import message
from .fixture import Fixture
from .synth import TextBlock, synthesize

FALLBACK_NAME = "replay-fallback"


def fallback_fixture(request: dict[str, Any]) -> Fixture:
    """A labelled stand-in reply to `request` (streamed or not, as it asks)."""
    fixture = synthesize(request, [TextBlock(message("fallback.reply"))], seed=FALLBACK_NAME)
    fixture.path = Path(f"{FALLBACK_NAME}.sse")
    return fixture
