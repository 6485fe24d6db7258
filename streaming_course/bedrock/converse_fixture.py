"""Recorded Converse streams: one text file per exchange, in the course's fixture format.

A Converse fixture (``*.converse``) is read by the same parser as the Messages fixtures
(`replay/fixture.py`). Its request is the arguments of ``converse_stream``, ``modelId``
included. Each event is written as a record whose name and JSON payload are those of the
event-stream frame that carries it (``:event-type`` or ``:exception-type``), with the
second it arrived at in a comment::

    : streaming-course fixture v1
    : status: 200
    : body: sse
    : request:
    :   {
    :     "inferenceConfig": {"maxTokens": 200},
    :     "messages": [{"content": [{"text": "Why do tides happen?"}], "role": "user"}],
    :     "modelId": "anthropic.claude-haiku-5-5-v1:0"
    :   }

    : t=0.460
    event: messageStart
    data: {"role":"assistant"}

    : t=0.547
    event: contentBlockDelta
    data: {"contentBlockIndex":0,"delta":{"text":"Tides"}}

boto3 yields that second record as ``{"contentBlockDelta": {"contentBlockIndex": 0, ...}}``.
A record named ``…Exception`` (``throttlingException``…) ends the stream with an error.

    >>> library = ConverseLibrary.from_dirs([PACKAGE_FIXTURES])     # doctest: +SKIP
    >>> library.find({"modelId": "...", "messages": [...], "inferenceConfig": {...}})
    ... # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..replay.fixture import Fixture, TimedEvent, load_fixture
from ..replay.library import ReplayMiss, fixture_paths

CONVERSE_SUFFIX = ".converse"


def converse_event(at: float, name: str, payload: dict[str, Any]) -> TimedEvent:
    """The record of one Converse event, e.g. ``contentBlockStop`` at 0.9 s.

    >>> converse_event(0.9, "contentBlockStop", {"contentBlockIndex": 0}).type
    'contentBlockStop'
    """
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return TimedEvent(at=at, wire=f"event: {name}\ndata: {data}\n")


def is_exception(event: TimedEvent) -> bool:
    """True for the records that stand for an exception frame (``throttlingException``…)."""
    return event.type.endswith("Exception")


def converse_key(request: dict[str, Any]) -> str:
    """What decides a Converse reply: every argument but the model.

    >>> converse_key({"modelId": "m", "messages": []})
    '{"messages": []}'
    """
    fields = {name: value for name, value in request.items() if name != "modelId"}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


class ConverseLibrary:
    """All Converse fixtures found in some folders, found again by `converse_key`.

    Like the main replay's `FixtureLibrary`: the model is ignored unless `strict`, and a
    fixture recorded with the request's model wins over one recorded with another.
    """

    def __init__(self, fixtures: Iterable[Fixture]) -> None:
        self.fixtures = list(fixtures)

    @classmethod
    def from_dirs(cls, folders: Iterable[Path]) -> ConverseLibrary:
        """Load every ``*.converse`` file below the folders (earlier folders win ties)."""
        return cls(load_fixture(path) for path in fixture_paths(folders, (CONVERSE_SUFFIX,)))

    def find(self, request: dict[str, Any], strict: bool = False) -> Fixture | None:
        """The fixture to serve for `request`, or None (strict: raise `ReplayMiss`)."""
        key = converse_key(request)
        candidates = [f for f in self.fixtures if converse_key(f.request) == key]
        same_model = [f for f in candidates if f.request.get("modelId") == request.get("modelId")]
        if strict or same_model:
            candidates = same_model
        if candidates:
            return candidates[0]
        if strict:
            raise ReplayMiss(self.describe_miss(request))
        return None

    def describe_miss(self, request: dict[str, Any]) -> str:
        """One line: no recording matches, and which come closest."""
        wanted = json.dumps(request, sort_keys=True)
        scored = sorted(
            self.fixtures,
            key=lambda f: (
                -difflib.SequenceMatcher(
                    None, wanted, json.dumps(f.request, sort_keys=True)
                ).ratio()
            ),
        )
        closest = ", ".join(fixture.name for fixture in scored[:3]) or "there are none"
        return (
            "No Converse fixture matches this request (strict replay). "
            f"Closest: {closest}. Compare their requests with yours (modelId included)."
        )
