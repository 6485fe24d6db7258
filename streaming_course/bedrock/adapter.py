"""Read a boto3 ``converse_stream`` reply the way the course reads every stream.

`converse_events` turns the event dicts boto3 yields into the course's `StreamEvent`
records (stamped with their arrival time) and, at the end, a `StreamOutcome`: the text,
a `Message` built from the Converse events, and how the stream ended — ``complete``
(``messageStop`` came), ``error_event`` (an exception frame: botocore raised
`EventStreamError`), ``dropped``, ``truncated`` or ``stopped``. So the course's printers
and timing work on Converse streams too:

    >>> reader = converse_events(runtime.converse_stream(**request))  # doctest: +SKIP
    >>> "".join(event.text for event in reader)                        # doctest: +SKIP
    'Tides come twice a day because…'
    >>> reader.outcome.ending, reader.outcome.usage.output_tokens      # doctest: +SKIP
    ('complete', 87)

(`converse_printers.py` feeds these events to the course's printers and `Timing`.) The
reading loop and its endings are those of `events`, and so are the figures the outcome keeps
(first text, pieces, rate): `ConverseReading` only says how a Converse event reads.

Each `StreamEvent` keeps the Converse names: its `type` is ``contentBlockDelta``…, its
`delta_type` the kind of delta (``text``, ``toolUse``, ``reasoningContent``) and its
`raw` the dict boto3 yielded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from anthropic.types import Message
from botocore.exceptions import EventStreamError, HTTPClientError
from jiter import from_json  # the SDK's JSON parser: it also reads unfinished JSON
from urllib3.exceptions import HTTPError as ConnectionFailure

from ..events import EventReader, Reading, StreamEvent, StreamOutcome
from ..i18n import message as localized

DROPS = (ConnectionFailure, HTTPClientError)
"""What a Converse stream raises when the connection breaks (urllib3's, or botocore's)."""


@dataclass(frozen=True)
class ConverseOutcome(StreamOutcome):
    """A `StreamOutcome` whose one-line description speaks of Converse's events.

    >>> ConverseOutcome("truncated", message=None, text="Hel", error=None).description
    '⚠ The stream ended without messageStop after 3 characters: the reply is incomplete.'
    """

    @property
    def description(self) -> str:
        chars = len(self.text)
        if self.ending == "error_event" and isinstance(self.error, EventStreamError):
            error = self.error.response.get("Error", {})
            return localized(
                "bedrock.exception",
                chars=chars,
                exception=error.get("Code", "?"),
                detail=error.get("Message", ""),
            )
        if self.ending == "truncated":
            return localized("bedrock.truncated", chars=chars)
        return super().description


def converse_events(
    response: Any, *, started: float | None = None, model: str = ""
) -> ConverseEvents:
    """Read a ``converse_stream`` response (or its ``["stream"]``): iterate, then `.outcome`.

    `started` is a `time.perf_counter()` taken before the request (default: now); `model`
    goes into the outcome's message, since Converse events do not name it.

        >>> reader = converse_events(runtime.converse_stream(**request))  # doctest: +SKIP
        >>> [event.type for event in reader][:2]                           # doctest: +SKIP
        ['messageStart', 'contentBlockDelta']
    """
    return ConverseEvents(response, started=started, model=model)


class ConverseReading(Reading):
    """How a Converse event reads; the loop and the endings are those of `events.Reading`."""

    FAILURES = (EventStreamError, *DROPS)
    ERROR_EVENTS = (EventStreamError,)  # an exception frame, e.g. throttlingException
    TRUNCATED = "bedrock.truncated"
    OUTCOME = ConverseOutcome

    def __init__(self, started: float | None, model: str) -> None:
        super().__init__(started)
        self.model = model
        self.built: ConverseMessage | None = None

    def take(self, raw: dict[str, Any]) -> StreamEvent:
        at = self.clock()
        name, payload = next(iter(raw.items()))  # one key: the event's name
        if name == "messageStart":
            self.built = ConverseMessage(model=self.model, role=payload["role"])
        elif self.built is not None:
            self.built.add(name, payload)
        delta = payload.get("delta", {}) if name == "contentBlockDelta" else {}
        delta_type = next(iter(delta), None)
        text = delta.get("text", "")
        self.note_text(at, text)
        return StreamEvent(at, name, payload.get("contentBlockIndex"), delta_type, text, raw)

    def message(self) -> Message | None:
        return self.built.message() if self.built is not None else None

    def arrived_whole(self) -> bool:
        return self.built is not None and self.built.stop_reason is not None


class ConverseEvents(EventReader):
    """Iterate once for the `StreamEvent`s of a Converse stream; `outcome` says how it ended."""

    def __init__(self, response: Any, *, started: float | None = None, model: str = "") -> None:
        stream = response["stream"] if isinstance(response, dict) else response
        super().__init__(stream, reading=ConverseReading(started, model))

    @property
    def outcome(self) -> ConverseOutcome:
        """How the stream ended (while still reading: the outcome so far, ending "stopped")."""
        return cast(ConverseOutcome, self._reading.outcome())  # its reading makes this kind


class ConverseMessage:
    """The `Message` that Converse events describe, built as they arrive.

    Converse sends no usage until its last event (``metadata``): until then the counts are 0.

        >>> built = ConverseMessage(model="m", role="assistant")
        >>> built.add("contentBlockDelta", {"delta": {"text": "Hi"}, "contentBlockIndex": 0})
        >>> built.message().content[0].text
        'Hi'
    """

    def __init__(self, model: str, role: str) -> None:
        self.model = model
        self.role = role
        self.blocks: dict[int, dict[str, Any]] = {}  # each content block, by index
        self.pieces: dict[int, list[str]] = {}  # each block's text, thinking or JSON pieces
        self.stop_reason: str | None = None
        self.usage = {"input_tokens": 0, "output_tokens": 0}

    def add(self, name: str, payload: dict[str, Any]) -> None:
        """Take one Converse event (by its name and payload) into the message."""
        if name == "contentBlockStart" and "toolUse" in payload["start"]:
            tool = payload["start"]["toolUse"]
            block = {"type": "tool_use", "id": tool["toolUseId"], "name": tool["name"]}
            self.blocks[payload["contentBlockIndex"]] = {**block, "input": {}}
        elif name == "contentBlockDelta":
            self._add_delta(payload["contentBlockIndex"], payload["delta"])
        elif name == "messageStop":
            self.stop_reason = payload["stopReason"]
        elif name == "metadata":
            usage = payload.get("usage", {})
            self.usage = {
                "input_tokens": usage.get("inputTokens", 0),
                "output_tokens": usage.get("outputTokens", 0),
            }

    def _add_delta(self, index: int, delta: dict[str, Any]) -> None:
        if "text" in delta:
            self.blocks.setdefault(index, {"type": "text", "text": ""})
            self.pieces.setdefault(index, []).append(delta["text"])
        elif "toolUse" in delta:
            self.pieces.setdefault(index, []).append(delta["toolUse"]["input"])
        elif "text" in delta.get("reasoningContent", {}):
            self.blocks.setdefault(index, {"type": "thinking", "thinking": "", "signature": ""})
            self.pieces.setdefault(index, []).append(delta["reasoningContent"]["text"])

    def message(self) -> Message:
        """The message so far (`stop_reason` is None until ``messageStop``)."""
        content = [self._finished(index, block) for index, block in sorted(self.blocks.items())]
        return Message.construct(
            id="",
            type="message",
            role=self.role,
            model=self.model,
            content=content,
            stop_reason=self.stop_reason,
            stop_sequence=None,
            usage=self.usage,
        )

    def _finished(self, index: int, block: dict[str, Any]) -> dict[str, Any]:
        joined = "".join(self.pieces.get(index, []))
        if block["type"] == "tool_use":
            return {
                **block,
                "input": from_json(joined.encode(), partial_mode=True) if joined else {},
            }
        return {**block, block["type"]: joined}
