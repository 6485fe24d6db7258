"""Run the web lesson's app with uvicorn: in the foreground (the command) or in a thread.

    >>> with BackgroundServer(create_app()) as server:   # doctest: +SKIP
    ...     print(server.url)
    http://127.0.0.1:50123

`BackgroundServer` is what the notebook and the tests use: uvicorn on 127.0.0.1, on a free
port, in a thread with its own event loop, stopped (and its thread joined) on leaving.
"""

from __future__ import annotations

import copy
import socket
import threading
import time
from types import TracebackType

import uvicorn
import uvicorn.config
from starlette.applications import Starlette

from .app import create_app
from .relay import LOGGER, RelayLog

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on right now (the system picks it)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def serve(host: str = LOOPBACK, port: int = 8000) -> None:
    """Serve the app in the foreground until Ctrl-C; uvicorn's log and the relay's on stderr."""
    log_config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    log_config["loggers"][LOGGER.name] = {"handlers": ["default"], "level": "INFO"}
    uvicorn.run(create_app(), host=host, port=port, log_level="info", log_config=log_config)


class BackgroundServer:
    """The app served by uvicorn in a background thread, on `host` and a free port.

    uvicorn's own log is off (a thread's prints would land in whichever notebook cell runs);
    the relay's log lines are in `log`. `send_buffer` caps the kernel's send buffer of each
    connection, in bytes (the system's default lets it grow to megabytes).
    """

    def __init__(
        self,
        app: Starlette | None = None,
        host: str = LOOPBACK,
        port: int = 0,
        send_buffer: int | None = None,
    ) -> None:
        self.app = app or create_app()
        self.host = host
        self._socket = socket.socket()
        if send_buffer is not None:  # accepted connections inherit it from the listener
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
        self._socket.bind((host, port))  # port 0: the system picks a free one
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address of the page."""
        return f"http://{self.host}:{self.port}"

    @property
    def log(self) -> RelayLog:
        """The relays so far and the log lines about them."""
        return self.app.state.log

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Start serving; returns once the server accepts connections."""
        self._thread = threading.Thread(
            target=self._server.run, args=([self._socket],), name="web-lesson", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web lesson's server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        self._thread = None
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
