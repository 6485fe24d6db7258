"""The web lesson's app: a page at ``/`` and a relay at ``POST /api/stream``, on Starlette.

    >>> app = create_app()                       # replay without a key, live with one
    >>> [route.path for route in app.routes]
    ['/', '/api/stream', '/static']

The page sends ``{"messages": [{"role": "user", "content": "…"}]}``; the server adds the
model, ``max_tokens`` and the API key, which never leave it. A request the relay cannot
use gets a 4xx answer ``{"error": "one line"}``:

=====  =================================================================
400    the body is not JSON, or not ``{"messages": [...]}`` as described
403    it comes from another site's page (an ``Origin`` that is not ours)
413    the body is larger than `MAX_BODY_BYTES`
415    it is not ``Content-Type: application/json``
=====  =================================================================

No CORS headers are sent, so another site's page cannot read a reply; the 403 stops it from
spending your tokens on requests it cannot read either.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anthropic
from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from ..client import make_async_client, mode_banner
from ..config import Settings, load_settings
from ..i18n import catalog, message
from .relay import MAX_TOKENS, RelayLog, RelayRecord, note_disconnect, relay, sdk_request

STATIC_DIR = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGES = 100
KEEP_ALIVE_SECONDS = 15  # a comment line this often keeps proxies from closing a quiet stream
SEND_TIMEOUT_SECONDS = 30  # a client that reads nothing for this long is dropped
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",  # only our own scripts and styles run
    "X-Content-Type-Options": "nosniff",
}

ClientFactory = Callable[[], anthropic.AsyncAnthropic]


class BadRequest(Exception):
    """A request the relay refuses: its status and one line saying why."""

    def __init__(self, status: int, key: str, **values: object) -> None:
        super().__init__(message(f"web.{key}", **values))
        self.status = status


def create_app(
    settings: Settings | None = None,
    client_factory: ClientFactory | None = None,
    max_tokens: int = MAX_TOKENS,
) -> Starlette:
    """The ASGI app; `client_factory` makes the SDK client (default: `make_async_client`).

    The client is made when the server starts, on the server's event loop. Every reply is
    asked for with `max_tokens`.
    """
    settings = settings or load_settings()
    factory = client_factory or (lambda: make_async_client(settings, banner=False))
    log = RelayLog()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.client = factory()
        try:
            yield
        finally:
            await app.state.client.close()

    async def index(request: Request) -> Response:
        page = _page(settings.language, mode=mode_banner(settings))
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    async def stream(request: Request) -> Response:
        try:
            body = await read_request(request)
        except BadRequest as refused:
            return JSONResponse({"error": str(refused)}, status_code=refused.status)
        record = log.open()

        async def on_disconnect(_message: object) -> None:
            note_disconnect(record, log)

        events = relay(
            request.app.state.client, sdk_request(body, settings.model, max_tokens), log, record
        )
        return RelayResponse(
            events,
            record,
            log,
            ping=KEEP_ALIVE_SECONDS,
            send_timeout=SEND_TIMEOUT_SECONDS,
            client_close_handler_callable=on_disconnect,
        )

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/api/stream", stream, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.log = log
    app.state.settings = settings
    return app


class RelayResponse(EventSourceResponse):
    """sse-starlette's response, noting in the log a client dropped for not reading."""

    def __init__(self, content: Any, record: RelayRecord, log: RelayLog, **options: Any) -> None:
        super().__init__(content, sep="\n", **options)
        self.record = record
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:
            self.log.note("stalled", number=self.record.number, seconds=SEND_TIMEOUT_SECONDS)


async def read_request(request: Request) -> dict[str, Any]:
    """The checked body of a relay request, or `BadRequest` saying what is wrong."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise BadRequest(403, "cross_origin", origin=origin)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadRequest(415, "not_json_type")
    raw = await _read_limited(request, MAX_BODY_BYTES)
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadRequest(400, "bad_json", detail=str(error).splitlines()[0]) from None
    check_body(body)
    return body


def check_body(body: object) -> None:
    """Raise `BadRequest` unless `body` is ``{"messages": [...]}`` as the relay needs it.

    >>> check_body({"messages": [{"role": "user", "content": "Hi"}]})
    >>> check_body({"messages": []})
    Traceback (most recent call last):
    ...
    streaming_course.web.app.BadRequest: "messages" must be a list of 1 to 100 messages.
    """
    if not isinstance(body, dict) or "messages" not in body:
        raise BadRequest(400, "no_messages")
    unknown = sorted(set(body) - {"messages"})
    if unknown:
        raise BadRequest(400, "unknown_fields", fields=", ".join(unknown))
    messages = body["messages"]
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        raise BadRequest(400, "messages_count", most=MAX_MESSAGES)
    for number, item in enumerate(messages, start=1):
        if (
            not isinstance(item, dict)
            or set(item) != {"role", "content"}
            or item["role"] not in ("user", "assistant")
            or not isinstance(item["content"], str)
            or not item["content"].strip()
        ):
            raise BadRequest(400, "bad_message", number=number)
    if messages[-1]["role"] != "user":
        raise BadRequest(400, "last_not_user")


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing one over `limit` bytes without reading all of it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequest(413, "too_large", kib=limit // 1024)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a chunked body has no Content-Length: count as it comes
            raise BadRequest(413, "too_large", kib=limit // 1024)
        chunks.append(chunk)
    return b"".join(chunks)


def _page(language: str, mode: str) -> str:
    """The page, in the learner's language, with its words from the message catalog."""
    words = {key.removeprefix("web.page_"): text for key, text in _page_words(language).items()}
    words["mode"] = mode
    data = json.dumps(words, ensure_ascii=False).replace("</", "<\\/")
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    for name, text in words.items():
        page = page.replace(f"{{{{{name}}}}}", html.escape(text))
    return page.replace("{{lang}}", language).replace("{{words_json}}", data)


def _page_words(language: str) -> dict[str, str]:
    english = {key: text for key, text in catalog("en").items() if key.startswith("web.page_")}
    return {**english, **{k: v for k, v in catalog(language).items() if k in english}}
