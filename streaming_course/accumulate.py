"""Build the `Message` that raw stream events describe, as the SDK's `messages.stream()` does.

A raw stream from ``create(stream=True)`` keeps no message; `events` feeds each event to a
`MessageBuilder` so that every stream the course reads ends with the message it carried. The
rules are the SDK's own (``accumulate_event``): a piece of text, thinking or tool JSON goes to
the block its ``index`` names, usage counts in ``message_delta`` replace the earlier ones. An
event of the wrong shape raises `StreamMalformed`, which the reader turns into an ending.
"""

from __future__ import annotations

from typing import Any, ClassVar

from anthropic.types import Message
from jiter import from_json  # the SDK's own JSON parser: it also reads unfinished JSON

UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, RuntimeError)
"""What the SDK raises on an event it cannot read: bad JSON, an unknown block, a wrong type."""


class StreamMalformed(ValueError):
    """An event does not have the shape the API documents; the message says what is wrong.

    >>> str(StreamMalformed.of(IndexError("list index out of range")))
    'IndexError: list index out of range'
    """

    @classmethod
    def of(cls, error: BaseException) -> StreamMalformed:
        """Wrap what the SDK raised on an unreadable event (kept as the cause)."""
        if isinstance(error, StreamMalformed):
            return error
        detail = str(error).splitlines()[0] if str(error) else ""
        malformed = cls(f"{type(error).__name__}: {detail[:120]}")
        malformed.__cause__ = error
        return malformed


class MessageBuilder:
    """Build the `Message` that raw events describe, as `messages.stream()` does for you.

    A raw stream from ``create(stream=True)`` keeps no message: add its events one by one,
    and ask for the message so far at any time (`stop_reason` is None until the end).

    >>> builder = MessageBuilder()
    >>> for event in client.messages.create(**request, stream=True):  # doctest: +SKIP
    ...     builder.add(event)
    >>> builder.message().content[0].text                              # doctest: +SKIP
    'Hello! How can I help?'
    """

    PIECES: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "text_delta": ("text", ("text",)),
        "thinking_delta": ("thinking", ("thinking",)),
        "input_json_delta": ("partial_json", ("tool_use", "server_tool_use")),
    }
    """The deltas that carry a piece of a block: the field the piece is in, and the block
    types that take it (as in the SDK, a piece for another type of block is ignored)."""

    RESENT_USAGE = (
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "server_tool_use",
        "output_tokens_details",
    )
    """Usage counts a message_delta may resend (server tools, compaction): the SDK keeps them."""

    def __init__(self) -> None:
        self._message: dict[str, Any] | None = None
        self._pieces: dict[int, list[str]] = {}  # each block's text, thinking or JSON pieces

    def add(self, event: Any) -> None:
        """Take one raw event into the message (events before message_start are ignored)."""
        kind = event.type
        if kind == "message_start":
            self._message = event.message.to_dict()
        elif self._message is None:
            return
        elif kind == "content_block_delta":
            if event.index not in self._pieces:
                raise StreamMalformed(f"a delta for block {event.index!r}, which never started")
            self._add_delta(event.index, event.delta)
        elif kind == "content_block_start":
            if event.index != len(self._message["content"]):
                raise StreamMalformed(f"block {event.index!r} started out of order")
            self._message["content"].append(event.content_block.to_dict())
            self._pieces[event.index] = []
        elif kind == "message_delta":
            self._end(event.delta.to_dict(exclude_unset=False), event.usage.to_dict())

    def _end(self, delta: dict[str, Any], usage: dict[str, Any]) -> None:
        """Take a message_delta: why the model stopped, and the final usage counts."""
        assert self._message is not None
        for name in ("stop_reason", "stop_sequence", "stop_details"):
            self._message[name] = delta.get(name)
        if delta.get("container") is not None:
            self._message["container"] = delta["container"]
        # Usage counts are running totals: each one given replaces the one before.
        totals = self._message["usage"]
        totals["output_tokens"] = usage.get("output_tokens")
        for name in self.RESENT_USAGE:
            if usage.get(name) is not None:
                totals[name] = usage[name]

    def _add_delta(self, index: int, delta: Any) -> None:
        assert self._message is not None
        block = self._message["content"][index]
        if delta.type in self.PIECES:
            field, block_types = self.PIECES[delta.type]
            piece = field_of(delta, field, str, delta.type)
            if block["type"] in block_types:
                self._pieces[index].append(piece)
            return
        if delta.type == "signature_delta":
            block["signature"] = delta.signature
        elif delta.type == "citations_delta":
            block["citations"] = [*(block.get("citations") or []), delta.citation.to_dict()]

    def message(self) -> Message | None:
        """The message so far, or None if message_start has not come yet."""
        if self._message is None:
            return None
        content = [
            _with_pieces(block, self._pieces.get(index, []))
            for index, block in enumerate(self._message["content"])
        ]
        return Message.model_construct(**{**self._message, "content": content})


def _with_pieces(block: dict[str, Any], pieces: list[str]) -> dict[str, Any]:
    """`block` with the pieces its deltas carried put in place.

    Tool input is parsed as the SDK parses it: in partial mode, and only once some JSON
    came (a tool with no arguments sends one empty piece). JSON that cannot be parsed
    leaves the input as it started.

    >>> _with_pieces({"type": "tool_use", "input": {}}, [""])
    {'type': 'tool_use', 'input': {}}
    >>> _with_pieces({"type": "tool_use", "input": {}}, ['{"n": 4', '2}'])
    {'type': 'tool_use', 'input': {'n': 42}}
    """
    joined = "".join(pieces)
    if not joined:
        return block
    if block["type"] in ("text", "thinking"):
        field = block["type"]
        return {**block, field: block.get(field, "") + joined}
    try:
        return {**block, "input": from_json(joined.encode(), partial_mode=True)}
    except ValueError:
        return block


def field_of(obj: Any, name: str, kind: type, what: str) -> Any:
    """`obj.name`, which must be a `kind`; else the event is malformed.

    >>> from types import SimpleNamespace
    >>> field_of(SimpleNamespace(type="ping"), "type", str, "an event")
    'ping'
    >>> field_of(SimpleNamespace(type=5), "type", str, "an event")
    Traceback (most recent call last):
    ...
    streaming_course.accumulate.StreamMalformed: an event whose 'type' is int
    """
    value = getattr(obj, name, None)
    if not isinstance(value, kind) or value is None:
        shown = type(value).__name__ if value is not None else "nothing"
        raise StreamMalformed(f"{what} whose {name!r} is {shown}")
    return value


def unreadable_event(error: BaseException) -> bool:
    """True when `error` means an event could not be read: we or the SDK raised it on one.

    A bug elsewhere (a generator of your own that raises) is not swallowed.

    >>> unreadable_event(StreamMalformed("a delta for block 3, which never started"))
    True
    """
    if isinstance(error, StreamMalformed):
        return True
    frame = error.__traceback__
    while frame is not None:
        module = frame.tb_frame.f_globals.get("__name__", "")
        if module.split(".")[0] in ("anthropic", "jiter", "pydantic"):
            return True
        frame = frame.tb_next
    return False


def keeps_snapshot(stream: Any) -> bool:
    """True for a stream of `messages.stream()`, which keeps the message itself."""
    return hasattr(type(stream), "current_message_snapshot")


def snapshot(stream: Any) -> Message | None:
    """The message a `messages.stream()` stream keeps (None before message_start)."""
    try:
        return stream.current_message_snapshot
    except AssertionError:  # the SDK asserts when no message_start has come yet
        return None
