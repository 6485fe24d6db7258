"""More kinds of content block for the synthesizer: tool calls as the API streams them,
server tools (web search) and their results.

Each kind writes its own events (``emit``), so `synth.synthesize` takes them beside its own
blocks. Their JSON input streams the way real streams measured (FACTS.md): pieces of a few
characters (median 5, rarely over 11), the first one empty (``partial_json: ""``), and a
tool without arguments sends only that empty piece.

    >>> from streaming_course.replay.synth import synthesize
    >>> fixture = synthesize(
    ...     {"model": "claude-haiku-5-5", "max_tokens": 64, "stream": True,
    ...      "messages": [{"role": "user", "content": "What time is it?"}]},
    ...     [ToolCallBlock(name="get_time", input={})],
    ... )
    >>> [e.data["delta"] for e in fixture.events if e.type == "content_block_delta"]
    [{'type': 'input_json_delta', 'partial_json': ''}]
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .synth import TextBlock, ThinkingBlock, ToolUseBlock
from .synth_stream import _emit_json_block, _Stream


def _id(prefix: str, *parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return f"{prefix}{digest[:22]}"


@dataclass(frozen=True)
class ToolCallBlock(ToolUseBlock):
    """A ``tool_use`` block whose input streams as the API sends it (see the module).

    ``eager``: the tool has ``eager_input_streaming`` (the first piece comes at once; without
    it the API holds the JSON back a while and then sends it quickly).
    """

    eager: bool = False

    @property
    def tool_id(self) -> str:
        return self.id or _id("toolu_replay_", self.name, self.input)

    def emit(self, stream: _Stream, index: int, first: bool) -> dict[str, Any]:
        start = {"type": "tool_use", "id": self.tool_id, "name": self.name, "input": {}}
        return _emit_json_block(
            stream, index, first, start, self.input, eager=self.eager, held_back=not self.eager
        )


@dataclass(frozen=True)
class ServerToolUseBlock:
    """A ``server_tool_use`` block: the API itself runs the tool (``web_search``...).

    Its input streams in small pieces, not held back; ``usage.server_tool_use`` counts it.
    """

    name: str
    input: dict[str, Any]
    id: str = ""

    @property
    def tool_id(self) -> str:
        return self.id or _id("srvtoolu_replay_", self.name, self.input)

    def emit(self, stream: _Stream, index: int, first: bool) -> dict[str, Any]:
        counter = f"{self.name}_requests"  # web_search_requests, web_fetch_requests
        counts = stream.usage_updates.setdefault("server_tool_use", {})
        counts[counter] = counts.get(counter, 0) + 1
        start = {"type": "server_tool_use", "id": self.tool_id, "name": self.name, "input": {}}
        return _emit_json_block(stream, index, first, start, self.input, held_back=False)


@dataclass(frozen=True)
class WebSearchResultBlock:
    """A ``web_search_tool_result`` block: it arrives whole, in its content_block_start.

    `results` hold ``url``, ``title`` and ``page_age``; the encrypted content is made up.
    The pages read count as input tokens, which message_delta then resends.
    """

    tool_use_id: str
    results: tuple[dict[str, Any], ...]
    search_seconds: float = 1.4  # the search, before the block starts
    page_tokens: int = 1800  # input tokens each page read adds

    def emit(self, stream: _Stream, index: int, first: bool) -> dict[str, Any]:
        content = [
            {
                "type": "web_search_result",
                "title": result["title"],
                "url": result["url"],
                "encrypted_content": result.get("encrypted_content")
                or _id("", "page", result["url"]) * 3,
                "page_age": result.get("page_age", "1 month ago"),
            }
            for result in self.results
        ]
        block = {
            "type": "web_search_tool_result",
            "tool_use_id": self.tool_use_id,
            "content": content,
        }
        clock = stream.clock
        clock.wait(self.search_seconds * clock.rng.uniform(0.8, 1.2))
        stream.emit({"type": "content_block_start", "index": index, "content_block": block})
        stream.emit({"type": "content_block_stop", "index": index}, at=clock.wait(0.002))
        stream.added_input_tokens += self.page_tokens * len(content)
        return block


# --- Blocks written in a source file (``reply_blocks``) ---------------------------------


def blocks_from_source(entries: list[dict[str, Any]]) -> list[Any]:
    """The blocks a source's ``reply_blocks`` list describes, in order (see `sources`)."""
    last_server_tool = ""
    blocks: list[Any] = []
    for entry in entries:
        kind = entry.get("type", "text")
        if kind == "text":
            citations = tuple(_citation(c) for c in entry.get("citations", ()))
            blocks.append(TextBlock(entry["text"], citations=citations))
        elif kind == "thinking":
            blocks.append(ThinkingBlock(entry["thinking"], signature=entry.get("signature", "")))
        elif kind == "tool_use":
            blocks.append(
                ToolCallBlock(
                    name=entry["name"],
                    input=entry.get("input", {}),
                    id=entry.get("id", ""),
                    eager=bool(entry.get("eager", False)),
                )
            )
        elif kind == "server_tool_use":
            block = ServerToolUseBlock(entry["name"], entry.get("input", {}), entry.get("id", ""))
            last_server_tool = block.tool_id
            blocks.append(block)
        elif kind == "web_search_tool_result":
            tool_use_id = entry.get("tool_use_id", last_server_tool)
            if not tool_use_id:
                raise ValueError("a web_search_tool_result needs a server_tool_use before it")
            blocks.append(WebSearchResultBlock(tool_use_id, tuple(entry["results"])))
        else:
            raise ValueError(f"reply_blocks: unknown block type {kind!r}")
    return blocks


def _citation(citation: dict[str, Any]) -> dict[str, Any]:
    """A citation of a source file; a web search one gets its type and encrypted index."""
    if "url" not in citation or "type" in citation:
        return citation
    return {
        "type": "web_search_result_location",
        "cited_text": citation["cited_text"],
        "url": citation["url"],
        "title": citation["title"],
        "encrypted_index": _id("", "index", citation["url"], citation["cited_text"]),
    }
