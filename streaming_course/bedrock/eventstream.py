"""Write AWS event-stream frames: the binary messages Bedrock streams its replies in.

Bedrock does not send server-sent events. It sends a sequence of frames, each one::

    prelude   total length (4 bytes) · headers length (4 bytes) · CRC32 of those 8 bytes
    headers   name length (1 byte) · name · value type (1 byte, 7 = string)
              · value length (2 bytes) · value          — repeated
    payload   the event's bytes (JSON for Bedrock)
    CRC32     of everything before it

botocore only reads frames; the replay needs to write them. These functions are the
inverse of botocore's `EventStreamBuffer`:

    >>> from botocore.eventstream import EventStreamBuffer
    >>> buffer = EventStreamBuffer()
    >>> buffer.add_data(event_frame("messageStart", {"role": "assistant"}))
    >>> message = next(buffer)
    >>> message.headers[":event-type"], message.payload
    ('messageStart', b'{"role":"assistant"}')
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"  # the content type of the frames
PRELUDE_LENGTH = 12  # total length, headers length, prelude CRC: 4 bytes each
STRING_HEADER = 7  # the value type of a UTF-8 string header

# The Bedrock exception that carries each kind of mid-stream `event: error`.
EXCEPTION_FOR_ERROR = {
    "overloaded_error": "modelStreamErrorException",
    "rate_limit_error": "throttlingException",
    "api_error": "internalServerException",
}


def encode_frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One frame carrying `payload`, with string `headers`.

    >>> len(encode_frame({}, b""))  # an empty frame: prelude and final CRC only
    16
    """
    header_bytes = b"".join(_encode_header(name, value) for name, value in headers.items())
    total_length = PRELUDE_LENGTH + len(header_bytes) + len(payload) + 4
    prelude = struct.pack("!II", total_length, len(header_bytes))
    prelude += struct.pack("!I", zlib.crc32(prelude))
    message = prelude + header_bytes + payload
    return message + struct.pack("!I", zlib.crc32(message))


def _encode_header(name: str, value: str) -> bytes:
    name_bytes, value_bytes = name.encode(), value.encode()
    if len(name_bytes) > 255 or len(value_bytes) > 65535:
        raise ValueError(f"header {name!r} is too long for an event-stream frame")
    return (
        struct.pack("!B", len(name_bytes))
        + name_bytes
        + struct.pack("!BH", STRING_HEADER, len(value_bytes))
        + value_bytes
    )


def event_frame(event_type: str, payload: dict[str, Any]) -> bytes:
    """An event frame, e.g. a Converse ``contentBlockDelta`` with its JSON payload.

    >>> frame = event_frame("contentBlockStop", {"contentBlockIndex": 0})
    """
    headers = {
        ":event-type": event_type,
        ":content-type": "application/json",
        ":message-type": "event",
    }
    return encode_frame(headers, _json_bytes(payload))


def exception_frame(exception_type: str, message: str) -> bytes:
    """An exception frame, e.g. a ``throttlingException`` that ends a stream mid-way.

    >>> frame = exception_frame("throttlingException", "Too many requests, slow down.")
    """
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_frame(headers, _json_bytes({"message": message}))


def bedrock_exception(error_type: str) -> str:
    """The Bedrock exception that stands for an API error type (a Bedrock name passes through).

    >>> bedrock_exception("overloaded_error"), bedrock_exception("throttlingException")
    ('modelStreamErrorException', 'throttlingException')
    """
    if error_type.endswith("Exception"):
        return error_type
    return EXCEPTION_FOR_ERROR.get(error_type, "modelStreamErrorException")


def chunk_frame(event: dict[str, Any]) -> bytes:
    """A Messages API event wrapped as InvokeModelWithResponseStream sends it.

    The event's JSON travels base64-encoded in the ``bytes`` field of a ``chunk`` event:

    >>> frame = chunk_frame({"type": "message_stop"})
    """
    encoded = base64.b64encode(_json_bytes(event)).decode("ascii")
    return event_frame("chunk", {"bytes": encoded})


def _json_bytes(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
