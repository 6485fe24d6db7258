"""The gateway itself: an ASGI app (Starlette) that relays students' requests with the real key.

    >>> app = build_app(Gateway(GatewaySettings(students={"class-0123456789abcdef": "ada"},
    ...     api_key="sk-ant-...", instructor_token="t0k")))              # doctest: +SKIP
    >>> uvicorn.run(app, host="0.0.0.0", port=8765)                    # doctest: +SKIP

Only ``POST /v1/messages`` and ``POST /v1/messages/count_tokens`` are relayed, and only with a
student's token (as the SDK sends its API key: ``Authorization: Bearer`` or ``x-api-key``).
Everything else gets an error in the API's own format, so the SDK raises its usual
exceptions (and retries a 429 after its ``retry-after``), and nothing is forwarded.
``GET /classroom/status`` shows the instructor every student's counts.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field

import anyio
import httpx2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..i18n import message
from .limits import Limits, Refusal, Roster
from .offline import OfflineAnswers
from .status import render_html
from .wire import Scrubber, UsageMeter, api_error, sse_error_event, upstream_headers

API_URL = "https://api.anthropic.com"
RELAYED_PATHS = ("/v1/messages", "/v1/messages/count_tokens")
MAX_BODY_BYTES = 8 * 1024 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024  # a larger body is not even read before the 413
OFFLINE_SECONDS = 15.0  # after a failed connect, go straight to the replay this long
TIMEOUT = httpx2.Timeout(connect=5.0, read=600.0, write=60.0, pool=30.0)

log = logging.getLogger("streaming_course.classroom")


@dataclass
class GatewaySettings:
    """What `classroom serve` was started with."""

    students: dict[str, str]  # token → name
    api_key: str
    instructor_token: str
    upstream: str = API_URL
    limits: Limits = field(default_factory=Limits)
    max_body: int = MAX_BODY_BYTES


class Refused(Exception):
    """A request that is answered by the gateway itself, with an error in the API's format."""

    def __init__(self, status: int, error_type: str, text: str, retry_after: float | None = None):
        super().__init__(text)
        self.status = status
        self.error_type = error_type
        self.text = text
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        headers = {}
        if self.retry_after is not None:
            headers["retry-after"] = str(max(1, math.ceil(self.retry_after)))
            headers["retry-after-ms"] = str(max(1, round(self.retry_after * 1000)))
        return JSONResponse(
            api_error(self.error_type, self.text), status_code=self.status, headers=headers
        )


@dataclass
class Exchange:
    """One admitted request on its way through: whose, which path, since when, replayed?"""

    name: str
    path: str
    started: float
    replayed: bool = False
    finished: bool = False


class RelayedStream(StreamingResponse):
    """A streamed reply whose `on_close` runs however it ends, even before its first byte."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        headers: dict[str, str],
        on_close: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(chunks, status_code=200, headers=headers)
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.on_close()


class Gateway:
    """The state of a running gateway: who is who, their tallies, the upstream client."""

    def __init__(self, settings: GatewaySettings, offline: OfflineAnswers | None = None) -> None:
        self.settings = settings
        self.roster = Roster(list(settings.students.values()), settings.limits)
        self.scrubber = Scrubber(settings.api_key)
        self.offline = offline
        self.offline_until = 0.0
        self.upstream = httpx2.AsyncClient(
            base_url=settings.upstream.rstrip("/"),
            timeout=TIMEOUT,
            limits=httpx2.Limits(max_connections=None, max_keepalive_connections=64),
        )

    def student(self, request: Request) -> str:
        """The name of the student whose token the request carries (else `Refused` 401)."""
        bearer = request.headers.get("authorization", "")
        tokens = {request.headers.get("x-api-key", "").strip()}
        if bearer:
            scheme, _, value = bearer.partition(" ")
            tokens.add(value.strip() if scheme.lower() == "bearer" else "\0")
        tokens.discard("")
        if not tokens:
            raise Refused(401, "authentication_error", message("classroom.no_token"))
        if len(tokens) > 1:
            raise Refused(401, "authentication_error", message("classroom.two_tokens"))
        name = self.settings.students.get(tokens.pop())
        if name is None:
            raise Refused(401, "authentication_error", message("classroom.bad_token"))
        return name

    async def read_body(self, request: Request) -> bytes:
        """The request's body, if it is a JSON object within the size limit (else `Refused`)."""
        limit = self.settings.max_body
        too_large = Refused(
            413, "request_too_large", message("classroom.too_large", mb=f"{limit / 2**20:g}")
        )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > DRAIN_LIMIT:
            raise too_large
        body, size = bytearray(), 0
        async for chunk in request.stream():
            size += len(chunk)
            if size <= limit:
                body += chunk
            elif size > DRAIN_LIMIT:
                break
        if size > limit:
            raise too_large
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise Refused(400, "invalid_request_error", message("classroom.not_json"))
        return bytes(body)

    def admit(self, name: str) -> None:
        """Count the request in, or raise the 429/403 its student's limits call for."""
        refusal: Refusal | None = self.roster.admit(name)
        if refusal is None:
            return
        if refusal.kind == "budget":
            text = message("classroom.budget_spent", budget=self.settings.limits.budget)
            raise Refused(403, "permission_error", text)
        key = f"classroom.limited_{refusal.kind}"
        limits = self.settings.limits
        text = message(key, rpm=limits.rpm, concurrent=limits.concurrent)
        raise Refused(429, "rate_limit_error", text, refusal.retry_after)

    async def open(self, request: Request, body: bytes) -> tuple[httpx2.Response, bool]:
        """The upstream's response, headers read, body not yet; or the replay's (then True)."""
        path = request.url.path
        if self.offline is not None and time.monotonic() < self.offline_until:
            return await self.offline.send(path, body), True
        params = {"beta": request.query_params["beta"]} if "beta" in request.query_params else None
        outgoing = self.upstream.build_request(
            "POST",
            path,
            content=body,
            params=params,
            headers=upstream_headers(request.headers, self.settings.api_key),
        )
        try:
            return await self.upstream.send(outgoing, stream=True), False
        except (httpx2.ConnectError, httpx2.ConnectTimeout):
            if self.offline is None:
                raise
            self.offline_until = time.monotonic() + OFFLINE_SECONDS
            log.warning(message("classroom.log_offline", upstream=self.settings.upstream))
            return await self.offline.send(path, body), True

    async def relay(self, request: Request) -> Response:
        """Handle one relayed request from a student, start to end."""
        started = time.monotonic()
        name = "?"
        try:
            name = self.student(request)
            body = await self.read_body(request)
            self.admit(name)
        except Refused as refused:
            log.info(_refused_line(request, name, refused))
            return refused.response()
        except ClientDisconnect:
            return Response(status_code=400)
        exchange = Exchange(name, request.url.path, started)
        try:
            response, exchange.replayed = await self.open(request, body)
        except Exception as error:  # counted and answered: the student's turn must end clearly
            return self._failed(exchange, error)
        headers = self.scrubber.headers(response.headers.multi_items())
        if exchange.replayed:
            headers["x-classroom-replay"] = "1"
        is_sse = "text/event-stream" in response.headers.get("content-type", "")
        if response.status_code == 200 and is_sse:
            meter = UsageMeter()

            async def closed() -> None:  # also when the student left before the first byte
                self._finish(exchange, 200, "stopped", meter)
                with anyio.CancelScope(shield=True):
                    await response.aclose()

            chunks = self._stream(exchange, response, meter)
            return RelayedStream(chunks, headers=headers, on_close=closed)
        return await self._whole(exchange, response, headers)

    async def _stream(
        self, exchange: Exchange, response: httpx2.Response, meter: UsageMeter
    ) -> AsyncIterator[bytes]:
        """The reply's bytes as they arrive, read for usage on the way (never held whole)."""
        try:
            async for chunk in response.aiter_raw():
                meter.feed(chunk)
                yield self.scrubber.clean(chunk)
        except httpx2.TransportError as dropped:
            self._finish(exchange, 200, "error", meter, type(dropped).__name__)
            yield sse_error_event("api_error", message("classroom.upstream_dropped"))
            return
        error = meter.error or ("" if meter.stopped else "truncated")
        self._finish(exchange, 200, "error" if error else "complete", meter, error)

    async def _whole(
        self, exchange: Exchange, response: httpx2.Response, headers: dict[str, str]
    ) -> Response:
        """A reply that is not a stream (an error, a count, a non-streamed message)."""
        meter = UsageMeter()
        try:
            body = self.scrubber.clean(await response.aread())
        except httpx2.TransportError as error:
            return self._failed(exchange, error)
        finally:
            await response.aclose()
        status, error = response.status_code, ""
        if status == 401 and not exchange.replayed:  # the API refused the gateway's own key
            status, error = 502, "upstream_refused_key"
            body = json.dumps(api_error("api_error", message("classroom.upstream_key"))).encode()
        elif status >= 400:
            error = _error_type(body)
        else:
            meter.read_json_body(body)
        self._finish(exchange, status, "error" if status >= 400 else "complete", meter, error)
        return Response(body, status_code=status, headers=headers)

    def _failed(self, exchange: Exchange, error: Exception) -> Response:
        kind = type(error).__name__
        self._finish(exchange, 502, "error", UsageMeter(), kind)
        text = message("classroom.upstream_failed", error=kind)
        return JSONResponse(api_error("api_error", text), status_code=502)

    def _finish(
        self, exchange: Exchange, status: int, outcome: str, meter: UsageMeter, error: str = ""
    ) -> None:
        """Count the request out and log it, once (later calls do nothing)."""
        if exchange.finished:
            return
        exchange.finished = True
        if exchange.replayed and outcome != "stopped":
            outcome = "replayed"
        self.roster.finish(
            exchange.name,
            outcome,
            input_tokens=meter.input_tokens,
            output_tokens=meter.output_tokens,
            error=error,
        )
        line = message(
            "classroom.log_request",
            student=exchange.name,
            path=exchange.path,
            status=status,
            outcome=outcome + (f" ({error})" if error else ""),
            tokens=meter.output_tokens,
            seconds=f"{time.monotonic() - exchange.started:.2f}",
        )
        log.info(line)

    async def status(self, request: Request) -> Response:
        """The instructor's view: every student's counts, as JSON or an HTML page."""
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = request.query_params.get("token") or bearer
        if not secrets.compare_digest(given.encode(), self.settings.instructor_token.encode()):
            refused = Refused(401, "authentication_error", message("classroom.status_token"))
            log.info(_refused_line(request, "?", refused))
            return refused.response()
        snapshot = {
            "upstream": self.settings.upstream,
            "replaying": time.monotonic() < self.offline_until,
            "limits": asdict(self.settings.limits),
            "students": self.roster.snapshot(),
        }
        wants_json = request.query_params.get("format") == "json" or "json" in request.headers.get(
            "accept", ""
        )
        if wants_json:
            return JSONResponse(snapshot)
        return HTMLResponse(render_html(snapshot))


def build_app(gateway: Gateway) -> Starlette:
    """The ASGI app for `gateway`: the relayed routes, the status view, API-format errors."""

    async def not_relayed(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        key, error_type = (
            ("classroom.wrong_method", "invalid_request_error")
            if status == 405
            else ("classroom.not_relayed", "not_found_error")
        )
        refused = Refused(status, error_type, message(key, paths=", ".join(RELAYED_PATHS)))
        log.info(_refused_line(request, "?", refused))
        return refused.response()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.upstream.aclose()
        if gateway.offline is not None:
            await gateway.offline.aclose()

    routes = [Route(path, gateway.relay, methods=["POST"]) for path in RELAYED_PATHS]
    routes.append(Route("/classroom/status", gateway.status, methods=["GET"]))
    return Starlette(
        routes=routes,
        exception_handlers={404: not_relayed, 405: not_relayed},
        lifespan=lifespan,
    )


def _refused_line(request: Request, name: str, refused: Refused) -> str:
    client = request.client.host if request.client else "?"
    return message(
        "classroom.log_refused",
        student=name,
        client=client,
        path=request.url.path,
        status=refused.status,
        reason=refused.error_type,
    )


def _error_type(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["type"])
    except (ValueError, KeyError, TypeError):
        return "error"
