"""The recordings the replay can serve, and how a request finds its recording.

A request matches a fixture when the parts that decide the reply are equal: messages,
system prompt, max_tokens, tools, tool_choice, thinking, stop_sequences and the stream flag.
The model is left out, so changing the course's model keeps replay working; when several
fixtures match (the same prompt on a small and a large model), the one recorded with the
request's model wins. With ``strict=True`` (the tests) the model must match too, and a
miss is an error that names the closest fixtures.

    >>> library = FixtureLibrary.from_dirs([Path("streaming_course/fixtures")])  # doctest: +SKIP
    >>> library.find({"messages": [...], "max_tokens": 64, "stream": True})      # doctest: +SKIP
    Fixture(...)
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .fixture import Fixture, load_fixture

MATCHED_FIELDS = (
    "messages",
    "system",
    "max_tokens",
    "tools",
    "tool_choice",
    "thinking",
    "stop_sequences",
    "stream",
)
FIXTURE_SUFFIXES = (".sse", ".http")


class ReplayMiss(LookupError):
    """No recording matches a request (strict replay); the message names the closest ones."""


def fixture_paths(folders: Iterable[Path], suffixes: tuple[str, ...]) -> list[Path]:
    """The files with these suffixes below the folders, folder by folder, sorted within each."""
    return [
        path
        for folder in folders
        if folder.is_dir()
        for path in sorted(folder.rglob("*"))
        if path.suffix in suffixes
    ]


def match_key(request: dict[str, Any]) -> str:
    """A canonical string of the fields that decide the reply (the model is not one)."""
    fields = {name: request[name] for name in MATCHED_FIELDS if name in request}
    fields["stream"] = bool(fields.get("stream", False))
    if "messages" in fields:
        fields["messages"] = [_normalize_message(message) for message in fields["messages"]]
    if isinstance(fields.get("system"), str):
        fields["system"] = [{"type": "text", "text": fields["system"]}]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


def _normalize_message(message: dict[str, Any]) -> dict[str, Any]:
    """`"content": "hi"` and `"content": [{"type": "text", "text": "hi"}]` mean the same."""
    content = message.get("content")
    if isinstance(content, str):
        return {**message, "content": [{"type": "text", "text": content}]}
    return message


class FixtureLibrary:
    """All fixtures found in some folders, indexed by `match_key`."""

    def __init__(self, fixtures: Iterable[Fixture]) -> None:
        self.fixtures = list(fixtures)
        self._by_key: dict[str, list[Fixture]] = defaultdict(list)
        for fixture in self.fixtures:
            self._by_key[match_key(fixture.request)].append(fixture)
        self._served: dict[int, int] = defaultdict(int)

    @classmethod
    def from_dirs(cls, folders: Iterable[Path]) -> FixtureLibrary:
        """Load every `*.sse` and `*.http` file below the folders (earlier folders win ties)."""
        return cls(load_fixture(path) for path in fixture_paths(folders, FIXTURE_SUFFIXES))

    def find(self, request: dict[str, Any], strict: bool = False) -> Fixture | None:
        """The fixture to serve for `request`, or None (strict: raise `ReplayMiss`).

        When a request has several fixtures recorded for the same model, they are served
        in turn (a 429 then a success, for the retry lesson), starting again after the last.
        """
        candidates = self._by_key.get(match_key(request), [])
        same_model = [f for f in candidates if f.request.get("model") == request.get("model")]
        if strict or same_model:
            candidates = same_model
        if not candidates:
            if strict:
                raise ReplayMiss(self.describe_miss(request))
            return None
        group = id(candidates[0])
        turn = self._served[group] % len(candidates)
        self._served[group] += 1
        return candidates[turn]

    def nearest(self, request: dict[str, Any], count: int = 3) -> list[tuple[float, Fixture]]:
        """The fixtures whose requests look most like `request`, closest first."""
        wanted = _comparable(request)
        scored = [
            (difflib.SequenceMatcher(None, wanted, _comparable(f.request)).ratio(), f)
            for f in self.fixtures
        ]
        scored.sort(key=lambda pair: -pair[0])
        return scored[:count]

    def describe_miss(self, request: dict[str, Any]) -> str:
        """One line: no recording matches, and which come closest and how they differ."""
        nearest = [
            f"{fixture.name} ({score:.0%} alike; "
            f"differs in {_differences(request, fixture.request)})"
            for score, fixture in self.nearest(request)
        ]
        closest = "; ".join(nearest) if nearest else "there are no fixtures at all"
        return (
            "No replay fixture matches this request (strict replay). "
            f"Closest: {closest}. Record one with `streaming-course record`."
        )


def _comparable(request: dict[str, Any]) -> str:
    return json.dumps({**json.loads(match_key(request)), "model": request.get("model")})


def _differences(wanted: dict[str, Any], recorded: dict[str, Any]) -> str:
    a, b = json.loads(_comparable(wanted)), json.loads(_comparable(recorded))
    differing = [name for name in sorted(set(a) | set(b)) if a.get(name) != b.get(name)]
    return ", ".join(differing) or "nothing"
