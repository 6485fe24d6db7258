"""What can fail in a request or its stream, why it failed in one line, and what to do about it.

`API_FAILURES` is the course's one list of what the API and the connection can raise; the
stream reader, the handlers and the conversation all catch these. The chat front ends show
the line of `describe_failure` when the API refuses a request (an HTTP error) or cannot
be reached; keys and header values never appear in it (see `streaming_course.redact`).

    >>> describe_failure(anthropic.APIConnectionError(request=request))  # doctest: +SKIP
    '⚠ The request failed: APIConnectionError: Connection error. Check the network (...).'
"""

from __future__ import annotations

import anthropic
import httpx2

from .i18n import message
from .redact import error_line, redact

API_FAILURES = (anthropic.APIError, httpx2.TransportError)
"""What a request or its stream raises when the API refuses it or the connection fails: an
HTTP error (before any event), an ``event: error`` (an `APIStatusError` mid-stream), no
connection or a timeout (`APIConnectionError`), or a connection that breaks mid-stream
(httpx2's own `TransportError`, which the SDK does not wrap)."""

RETRIED_STATUSES = frozenset({408, 409, 429})
"""Statuses the SDK retries (with every status from 500 up) before it raises."""


def describe_failure(error: BaseException, max_retries: int = 0) -> str:
    """One line saying why the API refused a request, whether the SDK retried, and what to do.

    Keys and header values never appear in it (see `streaming_course.redact`).

    >>> describe_failure(anthropic.APIConnectionError(request=request))  # doctest: +SKIP
    'The request failed: APIConnectionError: Connection error. Check the network (...).'
    """
    if isinstance(error, anthropic.APIStatusError):
        reason = _status_reason(error)
        detail = f"{error.status_code} {error.type or type(error).__name__}: {reason}"
        retried = error.status_code in RETRIED_STATUSES or error.status_code >= 500
    else:
        detail = error_line(error)
        retried = isinstance(error, anthropic.APIConnectionError)
    detail = redact((detail.strip().splitlines() or [""])[0]).rstrip(".")
    if retried and max_retries:
        line = message("chat.failed_after_retries", detail=detail, retries=max_retries)
    else:
        line = message("chat.failed", detail=detail)
    return message("chat.sentences", first=line, second=failure_advice(error))


def failure_advice(error: BaseException) -> str:
    """What a learner can do about a failed request, in one sentence.

    >>> failure_advice(anthropic.APIConnectionError(request=request))  # doctest: +SKIP
    'Check the network (and ANTHROPIC_BASE_URL, if you set it), then ask again.'
    """
    if isinstance(error, anthropic.APITimeoutError):
        return message("faults.advice_timeout")
    if isinstance(error, anthropic.APIConnectionError):
        return message("faults.advice_connection")
    if not isinstance(error, anthropic.APIStatusError):
        return message("faults.advice_other")
    status = error.status_code
    if status == 429:
        wait = _retry_after(error)
        if wait is not None:
            return message("faults.advice_rate_limit_after", seconds=wait)
        return message("faults.advice_rate_limit")
    if status == 529 or error.type == "overloaded_error":
        return message("faults.advice_overloaded")
    if status >= 500:
        return message("faults.advice_server")
    if status in (401, 403):
        return message("faults.advice_auth")
    if status == 404:
        return message("faults.advice_not_found")
    return message("faults.advice_request")


def _status_reason(error: anthropic.APIStatusError) -> str:
    """The API's own message; for a page that is not the API's JSON (HTML), say so instead."""
    if error.api_message:
        return error.api_message
    body = error.response.text if error.response is not None else str(error)
    if body.lstrip()[:1] == "<":
        return message("faults.html_body")
    return str(error).strip()[:200]


def _retry_after(error: anthropic.APIStatusError) -> float | None:
    """The wait the API asked for (``retry-after-ms`` or ``retry-after``), in seconds."""
    headers = error.response.headers if error.response is not None else {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None
