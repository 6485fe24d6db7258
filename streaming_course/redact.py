"""Keep API keys and header values out of everything the course shows or saves.

An error can carry a request header in its text: httpx2 refuses a key with a space in it
with ``LocalProtocolError: Illegal header value b'Bearer sk-ant-…'``, and the SDK chains
that error under its ``APIConnectionError``; a proxy's 401 page may echo the request's
headers back. Every place that renders an error or writes a response body passes the text
through `redact` first.

    >>> redact("Illegal header value b'Bearer sk-ant-abc1'")
    "Illegal header value b'[redacted]'"
    >>> redact('{"x-api-key": "sk-ant-abc1", "note": "hi"}')
    '{"x-api-key": "[redacted]", "note": "hi"}'
"""

from __future__ import annotations

import os
import re
import traceback

REDACTED = "[redacted]"

_PATTERNS = (
    # httpx2 / h11 quote the whole header value they refuse: hide all of it.
    (re.compile(r"(Illegal header (?:value|name) b?)(['\"]).*?(?<!\\)\2"), r"\1\2[redacted]\2"),
    # `Authorization: Bearer …`, `"authorization": "Basic …"`, `x-api-key: …`, in any quoting.
    (
        re.compile(
            r"((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?(?:(?:Bearer|Basic|Token)\s+)?)"
            r"[^\s'\",;}]+",
            re.IGNORECASE,
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"(x-api-key['\"]?\s*[:=]\s*['\"]?)[^\s'\",;}]+", re.IGNORECASE), r"\1[redacted]"),
    (re.compile(r"(Bearer\s+)[^\s'\"\\,;}]+", re.IGNORECASE), r"\1[redacted]"),
    # Anything that looks like an Anthropic key, wherever it is.
    (re.compile(r"sk-ant-[A-Za-z0-9_\-]+"), REDACTED),
)

MIN_SECRET_LENGTH = 8  # shorter "secrets" (test placeholders) would blank out ordinary words


def redact(text: str, *secrets: str | None) -> str:
    """`text` with keys and header values replaced by ``[redacted]``.

    Hidden: the configured ``ANTHROPIC_API_KEY`` and every one of `secrets` (as written, and
    as a bytes repr would escape them), anything shaped like ``sk-ant-…``, and the value
    after ``Bearer``, ``Authorization:``, ``x-api-key:``.

    >>> redact("key=abcdefgh12345 failed", "abcdefgh12345")
    'key=[redacted] failed'
    """
    for secret in _secrets(secrets):
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def error_line(error: BaseException) -> str:
    """The error as one redacted line: ``Type: first line of its message``.

    >>> error_line(ValueError("bad header b'Bearer sk-ant-abc'\\nmore"))
    "ValueError: bad header b'Bearer [redacted]'"
    """
    lines = str(error).strip().splitlines()
    detail = lines[0] if lines else ""
    name = type(error).__name__
    return redact(f"{name}: {detail}" if detail else name)


def error_details(error: BaseException) -> str:
    """The whole traceback of `error`, chained causes included, redacted."""
    return redact("".join(traceback.format_exception(error)))


def _secrets(extra: tuple[str | None, ...]) -> list[str]:
    """The secret strings to hide, longest first (so no part of one is left behind)."""
    raw = [os.environ.get("ANTHROPIC_API_KEY"), *extra]
    found: set[str] = set()
    for secret in raw:
        if not secret:
            continue
        secret = secret.strip()  # the stripped key is inside any padded form of it
        for form in (secret, repr(secret.encode("utf-8", "replace"))[2:-1]):
            if len(form) >= MIN_SECRET_LENGTH:
                found.add(form)
    return sorted(found, key=len, reverse=True)
