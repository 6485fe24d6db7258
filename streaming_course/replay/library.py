"""The recordings the replay can serve, and how a request finds its recording.

A request matches a fixture when the parts that decide the reply are equal: messages,
system prompt, max_tokens, tools, tool_choice, thinking, stop_sequences and the stream flag.
The model is left out, so changing the course's model keeps replay working; when several
fixtures match (the same prompt on a small and a large model), the one recorded with the
request's model wins. With ``strict=True`` (the tests) the model must match too, and a
miss is an error that names the closest fixtures.

Folders are searched in order: a recording of yours (``STREAMING_COURSE_FIXTURES``) for
the same request as a shipped one replaces it. Files are parsed once per process, and again
when they change; a file that cannot be read is skipped and listed in `skipped`, so one bad
recording never stops the course.

A library holds one `FixtureKind` of recordings: the Messages API's by default, or
Bedrock Converse's (``FixtureLibrary.from_dirs(folders, CONVERSE)``), which are other files
keyed by other fields, served by the same rules.

    >>> library = FixtureLibrary.from_dirs([Path("streaming_course/fixtures")])  # doctest: +SKIP
    >>> library.find({"messages": [...], "max_tokens": 64, "stream": True})      # doctest: +SKIP
    Fixture(...)
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import message
from .fixture import Fixture, FixtureError, load_fixture
from .matching import (
    FIXTURE_SUFFIXES,  # noqa: F401  (the Messages files; read here by maintain/)
    MESSAGES,
    FixtureKind,
    in_words,
)


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


@dataclass(frozen=True)
class SkippedFile:
    """A recording that could not be read, and why (one line naming the file and line)."""

    path: Path
    reason: str


class FixtureLibrary:
    """All fixtures found in some folders, indexed by their `kind`'s key (`match_key`).

    `ranks` gives each fixture's folder (0 = searched first): of the fixtures recorded for
    one request, only those of the first folder that has any are served.
    """

    def __init__(
        self,
        fixtures: Iterable[Fixture],
        skipped: Iterable[SkippedFile] = (),
        ranks: Sequence[int] | None = None,
        kind: FixtureKind = MESSAGES,
    ) -> None:
        self.fixtures = list(fixtures)
        self.skipped = list(skipped)
        self.kind = kind
        self._by_key: dict[str, list[Fixture]] = {}
        best_rank: dict[str, int] = {}
        for fixture, rank in zip(self.fixtures, ranks or [0] * len(self.fixtures), strict=True):
            key = _key_of(fixture, kind.key)
            if key not in best_rank or rank < best_rank[key]:
                best_rank[key], self._by_key[key] = rank, [fixture]
            elif rank == best_rank[key]:
                self._by_key[key].append(fixture)
        self._served: dict[int, int] = defaultdict(int)

    @classmethod
    def from_dirs(cls, folders: Iterable[Path], kind: FixtureKind = MESSAGES) -> FixtureLibrary:
        """Every `*.sse` and `*.http` file (`kind`'s files) below the folders; bad ones skipped."""
        fixtures: list[Fixture] = []
        ranks: list[int] = []
        skipped: list[SkippedFile] = []
        for rank, folder in enumerate(folders):
            for path in fixture_paths([folder], kind.suffixes):
                loaded = load_fixture_cached(path, kind.key)
                if isinstance(loaded, SkippedFile):
                    skipped.append(loaded)
                else:
                    fixtures.append(loaded)
                    ranks.append(rank)
        return cls(fixtures, skipped, ranks, kind)

    def find(self, request: dict[str, Any], strict: bool = False) -> Fixture | None:
        """The fixture to serve for `request`, or None (strict: raise `ReplayMiss`).

        When a request has several fixtures recorded for the same model, they are served
        in turn (a 429 then a success, for the retry lesson), starting again after the last.
        """
        candidates = self._by_key.get(self.kind.key(request), [])
        model = self.kind.model_field
        same_model = [f for f in candidates if f.request.get(model) == request.get(model)]
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
        wanted = self._comparable(request)
        scored = [
            (difflib.SequenceMatcher(None, wanted, self._comparable(f.request)).ratio(), f)
            for f in self.fixtures
        ]
        scored.sort(key=lambda pair: -pair[0])
        return scored[:count]

    def describe_miss(self, request: dict[str, Any]) -> str:
        """One line: no recording matches, and which come closest and how they differ."""
        nearest = [
            message(
                "miss.nearest",
                name=fixture.name,
                alike=f"{score:.0%}",
                fields=in_words(self.kind.differing(request, fixture.request)),
            )
            for score, fixture in self.nearest(request)
        ]
        closest = "; ".join(nearest) if nearest else message("miss.no_fixtures")
        return message(self.kind.miss, closest=closest)

    def closest(self, request: dict[str, Any]) -> tuple[Fixture, list[str]] | None:
        """The recording most like `request`, and the fields in which they differ."""
        nearest = self.nearest(request, count=1)
        if not nearest:
            return None
        fixture = nearest[0][1]
        return fixture, self.kind.differing(request, fixture.request)

    def _comparable(self, request: dict[str, Any]) -> str:
        key = json.loads(self.kind.key(request))
        return json.dumps({**key, "model": request.get(self.kind.model_field)})


Key = Callable[[dict[str, Any]], str]
_parsed: dict[Path, tuple[tuple[int, int], Fixture | SkippedFile, dict[Key, str]]] = {}
"""Each file read so far: its (mtime, size) when read, what it gave, and its keys."""


def load_fixture_cached(path: Path, key: Key = MESSAGES.key) -> Fixture | SkippedFile:
    """`load_fixture`, parsed once per process and again when the file changes.

    A file that cannot be read gives a `SkippedFile` instead of raising. The fixture is
    shared by every library that reads the file: treat it as read-only.
    """
    try:
        stat = path.stat()
    except OSError as error:
        return SkippedFile(path, f"{path}: cannot be read ({error.strerror}).")
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _parsed.get(path)
    if cached is not None and cached[0] == version:
        return cached[1]
    try:
        fixture = load_fixture(path)
    except FixtureError as error:
        _parsed[path] = (version, SkippedFile(path, str(error)), {})
    else:
        _parsed[path] = (version, fixture, {key: key(fixture.request)})
    return _parsed[path][1]


def _key_of(fixture: Fixture, key: Key) -> str:
    """`key` of the fixture's request (read from the cache for files read once)."""
    cached = _parsed.get(fixture.path) if fixture.path is not None else None
    if cached is None or cached[1] is not fixture:
        return key(fixture.request)
    if key not in cached[2]:
        cached[2][key] = key(fixture.request)
    return cached[2][key]
