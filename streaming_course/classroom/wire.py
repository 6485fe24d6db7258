"""What crosses the gateway: which headers pass, the real key kept out, usage read on the way.

>>> meter = UsageMeter()
>>> meter.feed(b'data: {"type": "message_delta", "usage": {"outp')   # a line cut in two
>>> meter.feed(b'ut_tokens": 42}}\\n\\ndata: {"type": "message_stop"}\\n\\n')
>>> meter.output_tokens, meter.stopped
(42, True)
>>> Scrubber("sk-ant-SECRET").clean(b"bad key sk-ant-SECRET")
b'bad key [hidden]'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ..replay.transport import REPLAY_HEADER

# Request headers a student's SDK sends that the API needs; nothing else goes upstream.
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "anthropic-version", "anthropic-beta")
# Response headers the student's SDK uses (retries, request ids, the replay label).
RETURNED_RESPONSE_HEADERS = (
    "content-type",
    "request-id",
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    REPLAY_HEADER,
)
HIDDEN = b"[hidden]"
LONGEST_LINE = 1 << 20  # an SSE line longer than this is not read for usage


def api_error(error_type: str, text: str) -> dict[str, object]:
    """An error body in the API's own format, which the SDK turns into its exceptions.

    >>> api_error("rate_limit_error", "Slow down.")["error"]["type"]
    'rate_limit_error'
    """
    return {"type": "error", "error": {"type": error_type, "message": text}}


def sse_error_event(error_type: str, text: str) -> bytes:
    """An `event: error` the SDK raises as `APIStatusError` when it reads it mid-stream."""
    data = json.dumps(api_error(error_type, text), ensure_ascii=False)
    return f"event: error\ndata: {data}\n\n".encode()


def upstream_headers(student_headers: Mapping[str, str], api_key: str) -> dict[str, str]:
    """The headers sent to the API: the allowed ones of the student's, and the real key."""
    headers = {
        name: student_headers[name] for name in FORWARDED_REQUEST_HEADERS if name in student_headers
    }
    headers["accept-encoding"] = "identity"  # bytes relayed as they come, readable for usage
    headers["x-api-key"] = api_key
    headers["authorization"] = f"Bearer {api_key}"
    return headers


class Scrubber:
    """Removes the real key from whatever goes back to a student."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()

    def clean(self, data: bytes) -> bytes:
        """`data` with every copy of the key replaced by ``[hidden]``."""
        return data.replace(self.secret, HIDDEN) if self.secret and self.secret in data else data

    def headers(self, upstream: Iterable[tuple[str, str]]) -> dict[str, str]:
        """The response headers a student may see: allowed names, values without the key."""
        secret = self.secret.decode()
        return {
            name.lower(): value
            for name, value in upstream
            if name.lower() in RETURNED_RESPONSE_HEADERS and secret not in value
        }


class UsageMeter:
    """Reads a streamed reply's usage and ending as its bytes pass, without holding them."""

    def __init__(self) -> None:
        self.input_tokens = 0
        self.output_tokens = 0
        self.stopped = False  # message_stop seen: the reply is complete
        self.error = ""  # the type of an `error` event, if one came
        self._partial = b""

    def feed(self, chunk: bytes) -> None:
        """Read the complete lines of `chunk` (a line cut between chunks waits for its end)."""
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > LONGEST_LINE:
            self._partial = b""
        for line in lines:
            if line.startswith(b"data:"):
                self._read(line[5:])

    def read_json_body(self, body: bytes) -> None:
        """Read the usage of a reply that was not streamed (a whole JSON message)."""
        self._read(body)
        self.stopped = True

    def _read(self, data: bytes) -> None:
        try:
            payload = json.loads(data)
        except ValueError:
            return
        if not isinstance(payload, dict):
            return
        kind = payload.get("type")
        usage = payload.get("usage")
        started = payload.get("message")
        if usage is None and isinstance(started, dict):  # message_start carries it inside
            usage = started.get("usage")
        if isinstance(usage, dict):
            self.input_tokens = _int(usage.get("input_tokens"), self.input_tokens)
            self.output_tokens = _int(usage.get("output_tokens"), self.output_tokens)
        if kind == "message_stop":
            self.stopped = True
        elif kind == "error":
            self.error = str(payload.get("error", {}).get("type", "error"))


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) else default
