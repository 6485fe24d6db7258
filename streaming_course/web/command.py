"""``streaming-course web [--host 127.0.0.1] [--port 8000]``: serve the web lesson's page."""

from __future__ import annotations

import argparse
import errno
import ipaddress

from ..client import mode_banner
from ..config import ConfigError, load_settings
from ..i18n import message

LOOPBACK = "127.0.0.1"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``web`` to the command line."""
    web = subparsers.add_parser(
        "web", help=message("web.cli_help"), description=message("web.cli_help")
    )
    web.add_argument("--host", default=LOOPBACK, help=message("web.cli_host"))
    web.add_argument("--port", type=int, default=8000, help=message("web.cli_port"))
    web.set_defaults(func=_web_command)


def _web_command(args: argparse.Namespace) -> int:
    from .server import serve  # uvicorn is imported only when the command runs

    _check_port(args.host, args.port)
    print(mode_banner(load_settings()), flush=True)
    if not _is_loopback(args.host):
        print(message("web.not_loopback", host=args.host), flush=True)
    print(message("web.serving", url=f"http://{args.host}:{args.port}"), flush=True)
    serve(args.host, args.port)
    return 0


def _check_port(host: str, port: int) -> None:
    """Fail in one line, before uvicorn starts, if the port cannot be had."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            detail = errno.errorcode.get(error.errno or 0, str(error))
            raise ConfigError(
                message("web.port_in_use", host=host, port=port, detail=detail)
            ) from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
