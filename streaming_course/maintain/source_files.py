"""The TOML source files that fixtures are written from: reading their tables, writing fixtures.

Both kinds of exchange live in the same ``fixtures/sources/<group>.toml`` files:
``[[exchange]]`` tables for the Messages API (`sources`) and ``[[converse]]`` tables for
Bedrock's Converse API (`converse_sources`). Each planner turns one table into fixtures;
this module owns the loop over the files, the error line and the writing.

>>> tables = list(read_tables("exchange"))
>>> source, number, table = tables[0]
>>> source.suffix, number, "name" in table
('.toml', 1, True)
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..config import PACKAGE_FIXTURES
from ..replay.fixture import Fixture, FixtureError

SOURCES_DIR = PACKAGE_FIXTURES / "sources"

Planned = list[tuple[Path, Fixture]]


def read_tables(kind: str, sources: Path = SOURCES_DIR) -> Iterator[tuple[Path, int, Any]]:
    """Each ``[[kind]]`` table of every source file, with its file and its number (from 1)."""
    for source in sorted(sources.glob("*.toml")):
        with source.open("rb") as file:
            try:
                tables = tomllib.load(file).get(kind, [])
            except tomllib.TOMLDecodeError as error:
                raise FixtureError(f"{source}: {error}") from None
        yield from ((source, number, table) for number, table in enumerate(tables, start=1))


def plan_each(
    kind: str,
    plan_one: Callable[[dict[str, Any], Path, dict[str, dict[str, Any]]], Planned],
    sources: Path = SOURCES_DIR,
) -> Planned:
    """Every fixture the ``[[kind]]`` tables describe, with the path it belongs at.

    `plan_one(table, group_dir, earlier)` plans one table; `earlier` holds the tables of the
    same file planned so far, by name. A table it cannot read becomes one `FixtureError`
    line naming the file, the table's number and its name.
    """
    planned: Planned = []
    earlier: dict[Path, dict[str, dict[str, Any]]] = {}
    for source, number, table in read_tables(kind, sources):
        try:
            group_dir = source.parent.parent / source.stem
            planned += plan_one(table, group_dir, earlier.setdefault(source, {}))
        except (KeyError, TypeError, ValueError) as error:
            name = table.get("name", "?") if isinstance(table, dict) else "?"
            raise FixtureError(f"{source}: {kind} #{number} ({name}): {error}") from None
    return planned


def write_planned(planned: Planned, suffixes: tuple[str, ...]) -> list[Path]:
    """Save planned fixtures; in their folders, remove files of these kinds nothing planned."""
    written = [fixture.save(path) for path, fixture in planned]
    for group in {path.parent for path in written}:
        for stale in group.iterdir():
            if stale.suffix in suffixes and stale not in written:
                stale.unlink()
    return written


def outdated(planned: Planned) -> list[Path]:
    """The planned fixtures whose files are missing or differ from what would be written."""
    return [
        path
        for path, fixture in planned
        if not path.exists() or path.read_text(encoding="utf-8") != fixture.to_text()
    ]
