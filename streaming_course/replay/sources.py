"""The course's shipped fixtures, written from reply texts kept in TOML files.

Each ``fixtures/sources/<group>.toml`` lists exchanges; ``streaming-course fixtures build``
turns every one into a fixture file ``fixtures/<group>/<name>.sse`` (streamed) or
``.http`` (not streamed, or an HTTP error). An exchange::

    [[exchange]]
    name = "haiku"                  # the file's name
    model = "default"               # "default", "large", or a model id
    max_tokens = 200
    stream = true                   # true, false, or "both" (writes both files)
    prompt = "Write a haiku about rivers."   # or: messages = [{role = "user", content = "…"}]
    request = { system = "Be brief." }       # other request fields, optional
    reply = "Water finds its way…"           # the text block
    reply_thinking = "…"                     # optional thinking block, before the text
    reply_tool = { name = "get_weather", input = { city = "Oslo" } }   # optional
    fault = { kind = "error", after_tokens = 40 }       # optional: error | truncate | disconnect
    http_error = { status = 529, type = "overloaded_error", message = "Overloaded",
                   retry_after_ms = 100 }               # optional, instead of a reply

Several exchanges with the same request are served in turn (a 429, then the answer).

    >>> planned = plan_fixtures(SOURCES_DIR)      # doctest: +SKIP
    >>> [path.name for path, fixture in planned][:2]    # doctest: +SKIP
    ['hello.sse', 'hello.http']
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ..config import DEFAULT_LARGE_MODEL, DEFAULT_MODEL, PACKAGE_FIXTURES
from .fixture import Fixture, FixtureError
from .library import FIXTURE_SUFFIXES
from .synth import Block, Fault, TextBlock, ThinkingBlock, ToolUseBlock, http_error, synthesize

SOURCES_DIR = PACKAGE_FIXTURES / "sources"
MODEL_ALIASES = {"default": DEFAULT_MODEL, "large": DEFAULT_LARGE_MODEL}


def plan_fixtures(sources: Path = SOURCES_DIR) -> list[tuple[Path, Fixture]]:
    """Every fixture the sources describe, with the path it belongs at."""
    planned = []
    for source in sorted(sources.glob("*.toml")):
        with source.open("rb") as file:
            try:
                exchanges = tomllib.load(file).get("exchange", [])
            except tomllib.TOMLDecodeError as error:
                raise FixtureError(f"{source}: {error}") from None
        for number, exchange in enumerate(exchanges, start=1):
            try:
                planned += _fixtures_for(exchange, source.parent.parent / source.stem)
            except (KeyError, TypeError, ValueError) as error:
                raise FixtureError(
                    f"{source}: exchange #{number} ({exchange.get('name', '?')}): {error}"
                ) from None
    return planned


def build_all_fixtures() -> list[Path]:
    """Write the Messages API fixtures and the Bedrock Converse ones."""
    from ..bedrock.converse_sources import build_converse_fixtures

    return build_fixtures() + build_converse_fixtures()


def all_outdated_fixtures() -> list[Path]:
    """`outdated_fixtures`, with the Bedrock Converse fixtures."""
    from ..bedrock.converse_sources import outdated_converse_fixtures

    return outdated_fixtures() + outdated_converse_fixtures()


def build_fixtures(sources: Path = SOURCES_DIR) -> list[Path]:
    """Write every planned fixture; files no source describes any more are removed."""
    return write_planned(plan_fixtures(sources), suffixes=FIXTURE_SUFFIXES)


def outdated_fixtures(sources: Path = SOURCES_DIR) -> list[Path]:
    """Fixture files that differ from what their sources would write now (or are missing)."""
    return outdated(plan_fixtures(sources))


def write_planned(planned: list[tuple[Path, Fixture]], suffixes: tuple[str, ...]) -> list[Path]:
    """Save planned fixtures; in their folders, remove files of these kinds nothing planned."""
    written = [fixture.save(path) for path, fixture in planned]
    for group in {path.parent for path in written}:
        for stale in group.iterdir():
            if stale.suffix in suffixes and stale not in written:
                stale.unlink()
    return written


def outdated(planned: list[tuple[Path, Fixture]]) -> list[Path]:
    """The planned fixtures whose files are missing or differ from what would be written."""
    return [
        path
        for path, fixture in planned
        if not path.exists() or path.read_text(encoding="utf-8") != fixture.to_text()
    ]


def _fixtures_for(exchange: dict[str, Any], group_dir: Path) -> list[tuple[Path, Fixture]]:
    name = exchange["name"]
    stream = exchange.get("stream", True)
    variants = [True, False] if stream == "both" else [bool(stream)]
    results = []
    for streamed in variants:
        request = _request(exchange, streamed)
        suffix = ".sse" if streamed and "http_error" not in exchange else ".http"
        fixture = _response(exchange, request, seed=f"{group_dir.name}/{name}")
        results.append((group_dir / f"{name}{suffix}", fixture))
    return results


def _request(exchange: dict[str, Any], streamed: bool) -> dict[str, Any]:
    model = exchange.get("model", "default")
    request: dict[str, Any] = {
        "model": MODEL_ALIASES.get(model, model),
        "max_tokens": int(exchange["max_tokens"]),
    }
    if "messages" in exchange:
        request["messages"] = exchange["messages"]
    else:
        request["messages"] = [{"role": "user", "content": exchange["prompt"]}]
    request.update(exchange.get("request", {}))
    if streamed:
        request["stream"] = True
    return request


def _response(exchange: dict[str, Any], request: dict[str, Any], seed: str) -> Fixture:
    if "http_error" in exchange:
        error = exchange["http_error"]
        return http_error(
            request,
            status=int(error["status"]),
            error_type=error["type"],
            message=error["message"],
            retry_after_ms=error.get("retry_after_ms"),
        )
    fault = Fault(**exchange["fault"]) if "fault" in exchange else None
    return synthesize(
        request, _blocks(exchange), seed=seed, fault=fault, stop_reason=exchange.get("stop_reason")
    )


def _blocks(exchange: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    if "reply_thinking" in exchange:
        blocks.append(ThinkingBlock(exchange["reply_thinking"]))
    if "reply" in exchange:
        citations = tuple(exchange.get("reply_citations", ()))
        blocks.append(TextBlock(exchange["reply"], citations=citations))
    if "reply_tool" in exchange:
        tool = exchange["reply_tool"]
        blocks.append(ToolUseBlock(name=tool["name"], input=tool["input"]))
    if not blocks:
        raise ValueError("an exchange needs reply, reply_thinking, reply_tool or http_error")
    return blocks
