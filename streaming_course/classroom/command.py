"""The `classroom` command: tokens for the students, the gateway, the instructor's status.

    $ streaming-course classroom tokens 30 --out tokens.txt
    $ streaming-course classroom serve --tokens tokens.txt --rpm 20 --budget 50000
    $ streaming-course classroom status --url http://127.0.0.1:8765 --token <instructor token>

Exit codes: 0 done (or the gateway stopped with Ctrl-C: 130); 2 when the command cannot run
(a tokens file that exists or is malformed, no key in `.env`, a port in use, a gateway that
cannot be reached), with one line on stderr that says what to do.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import message
from .limits import Limits
from .tokens import ClassroomError, new_tokens, read_tokens, write_tokens

if TYPE_CHECKING:
    from .app import GatewaySettings

DEFAULT_PORT = 8765
DEFAULT_MAX_BODY_MB = 8
DEFAULTS = Limits()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Register ``classroom tokens|serve|status`` on the main parser's subcommands.

    >>> parser = argparse.ArgumentParser(prog="streaming-course")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["classroom", "serve", "--tokens", "t.txt", "--rpm", "5"])
    >>> args.rpm, args.port, args.host
    (5, 8765, '0.0.0.0')
    """
    classroom = subparsers.add_parser(
        "classroom", help=message("classroom.cli_help"), description=message("classroom.cli_help")
    )
    verbs = classroom.add_subparsers(dest="verb", required=True, metavar="VERB")

    tokens = verbs.add_parser("tokens", help=message("classroom.cli_tokens"))
    tokens.add_argument("count", type=int, help=message("classroom.cli_count"))
    tokens.add_argument("--out", type=Path, required=True, help=message("classroom.cli_out"))
    tokens.add_argument("--prefix", default="student", help=message("classroom.cli_prefix"))
    tokens.add_argument("--force", action="store_true", help=message("classroom.cli_force"))
    tokens.set_defaults(func=_tokens)

    serve = verbs.add_parser("serve", help=message("classroom.cli_serve"))
    serve.add_argument("--tokens", type=Path, required=True, help=message("classroom.cli_file"))
    serve.add_argument("--host", default="0.0.0.0", help=message("classroom.cli_host"))
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=message("classroom.cli_port", default=DEFAULT_PORT),
    )
    serve.add_argument(
        "--rpm",
        type=int,
        default=DEFAULTS.rpm,
        help=message("classroom.cli_rpm", default=DEFAULTS.rpm),
    )
    serve.add_argument(
        "--concurrent",
        type=int,
        default=DEFAULTS.concurrent,
        help=message("classroom.cli_concurrent", default=DEFAULTS.concurrent),
    )
    serve.add_argument(
        "--budget",
        type=int,
        default=DEFAULTS.budget,
        help=message("classroom.cli_budget", default=DEFAULTS.budget),
    )
    serve.add_argument("--upstream", help=message("classroom.cli_upstream"))
    serve.add_argument(
        "--max-body-mb",
        type=float,
        default=DEFAULT_MAX_BODY_MB,
        help=message("classroom.cli_max_body", default=DEFAULT_MAX_BODY_MB),
    )
    serve.set_defaults(func=_serve)

    status = verbs.add_parser("status", help=message("classroom.cli_status"))
    status.add_argument("--url", default=f"http://127.0.0.1:{DEFAULT_PORT}")
    status.add_argument("--token", required=True, help=message("classroom.cli_token"))
    status.add_argument("--watch", action="store_true", help=message("classroom.cli_watch"))
    status.set_defaults(func=_status)


def _tokens(args: argparse.Namespace) -> int:
    pairs = new_tokens(args.count, args.prefix)
    path = write_tokens(pairs, args.out, force=args.force)
    print(message("classroom.tokens_written", count=len(pairs), path=path))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # the server's imports wait until a server is wanted

    from ..config import load_settings
    from .app import API_URL, Gateway, GatewaySettings, build_app
    from .offline import OfflineAnswers

    students = read_tokens(args.tokens)
    settings = load_settings()  # reads the instructor's .env into the environment
    api_key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    if not api_key:
        raise ClassroomError(message("classroom.no_key"))
    limits = Limits(rpm=args.rpm, concurrent=args.concurrent, budget=args.budget)
    if min(limits.rpm, limits.concurrent, limits.budget, args.max_body_mb) < 0:
        raise ClassroomError(message("classroom.negative_limit"))
    listening = _bind(args.host, args.port)
    gateway = Gateway(
        GatewaySettings(
            students=students,
            api_key=api_key,
            instructor_token=secrets.token_urlsafe(16),
            upstream=args.upstream or API_URL,
            limits=limits,
            max_body=int(args.max_body_mb * 2**20),
        ),
        OfflineAnswers.from_settings(settings),
    )
    _configure_logging()
    _announce(gateway.settings, args, listening.getsockname()[1])
    config = uvicorn.Config(build_app(gateway), log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listening])
    return 0


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line error when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        raise ClassroomError(
            message("classroom.cannot_listen", host=host, port=port, reason=error.strerror)
        ) from None
    listening.listen(128)
    return listening


def _announce(settings: GatewaySettings, args: argparse.Namespace, port: int) -> None:
    base = f"http://{_address_students_use(args.host)}:{port}"
    limits = settings.limits
    lines = [
        message(
            "classroom.serving", count=len(settings.students), port=port, upstream=settings.upstream
        ),
        message("classroom.students_env", base=base, tokens=args.tokens),
        message(
            "classroom.limits_line",
            rpm=limits.rpm or "∞",
            concurrent=limits.concurrent or "∞",
            budget=limits.budget or "∞",
        ),
        message(
            "classroom.instructor_page",
            url=f"{base}/classroom/status?token={settings.instructor_token}",
        ),
        message("classroom.stop_hint"),
    ]
    print("\n".join(lines), flush=True)


def _address_students_use(host: str) -> str:
    """The address to give students: the host, or this machine's address on the room's network."""
    if host not in ("0.0.0.0", "::", ""):
        return host
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))  # UDP: picks a route, sends nothing
        return probe.getsockname()[0]
    except OSError:
        return socket.gethostname()
    finally:
        probe.close()


def _configure_logging() -> None:
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log = logging.getLogger("streaming_course.classroom")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _status(args: argparse.Namespace) -> int:
    import httpx2

    from .status import fetch_status, status_table

    while True:
        try:
            snapshot = fetch_status(args.url, args.token)
        except httpx2.HTTPStatusError as error:
            raise ClassroomError(
                message("classroom.status_refused", status=error.response.status_code)
            ) from None
        except httpx2.TransportError:
            raise ClassroomError(message("classroom.status_unreachable", url=args.url)) from None
        print(status_table(snapshot), flush=True)
        if not args.watch:
            return 0
        time.sleep(2)
        print()
