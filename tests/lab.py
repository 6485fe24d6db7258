"""What the browser tests share: a real JupyterLab, driven through Chromium with Playwright.

The recipe: JupyterLab on 127.0.0.1 with a random token and its own temporary ``JUPYTER_*``
folders, so nothing of the user's setup takes part (``--LabApp.expose_app_in_browser`` gives the
page ``window.jupyterapp``, to run cells); Chromium with the flags that keep it off the network;
a notebook opened by its address with ``?reset`` (later ones in the same tab), its kernel dialog
accepted if one comes, its kernel awaited; closed with its kernel shut down.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``): `require_chromium` skips a test
without it, unless ``STREAMING_COURSE_REQUIRE_BROWSER=1`` (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # without these, Chromium floods a closed network with requests
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VENV_BIN = str(Path(sys.executable).parent)
"""The venv's commands, first on the kernels' PATH, for cells such as `!streaming-course …`."""

PANEL = """const panel = window.jupyterapp && [...jupyterapp.shell.widgets('main')]
    .find((widget) => widget.context && widget.context.path === path);"""
"""JavaScript: `panel`, the open notebook whose path (relative to the served folder) is `path`."""

OPENING = f"""(path) => {{
    if (document.querySelector('.jp-Dialog button.jp-mod-accept')) return 'dialog';
    try {{
        {PANEL}
        return panel?.sessionContext.session?.kernel?.status === 'idle' ? 'idle' : '';
    }} catch {{
        return '';  // JupyterLab is still starting
    }}
}}"""
"""JavaScript: 'dialog' while a dialog waits (the kernel dialog comes before any kernel runs),
'idle' once the notebook's kernel is idle."""

CLOSE = f"""async (path) => {{
    {PANEL}
    if (!panel) return;
    await panel.sessionContext.shutdown();
    await panel.context.save();  // closing a notebook with unsaved outputs would ask first
    panel.close();
}}"""
"""JavaScript: shuts the notebook's kernel down, saves the notebook and closes it."""


def require_chromium() -> Path:
    """Debian's Chromium; skips the calling test without it (fails if a browser is required)."""
    if not CHROMIUM.exists():
        reason = "Chromium not found: install it with `apt-get install chromium` (Debian)"
        if os.environ.get("STREAMING_COURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its base URL and token."""

    base: str
    token: str

    def url(self, notebook: str) -> str:
        """The address that opens `notebook` (relative to the served folder) in a fresh layout."""
        return f"{self.base}/lab/tree/{notebook}?token={self.token}&reset"

    def api(self, path: str, method: str = "GET") -> object:
        """The decoded answer of the REST API at `path` (None for an empty answer)."""
        request = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self, seconds: float = 20) -> None:
        """End every session and wait until no kernel runs."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")
        deadline = time.monotonic() + seconds
        while self.api("/api/kernels"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"kernels still running after {seconds} s")
            time.sleep(0.1)


@contextmanager
def running_jupyterlab(root: Path, scratch: Path, env: Mapping[str, str]) -> Iterator[Lab]:
    """A JupyterLab on 127.0.0.1 with a random token, serving the folder `root`.

    Its configuration, data, runtime and workspace folders and its log (``jupyterlab.log``) go
    into the folder `scratch`; `env` is added to this process's environment for the server and
    its kernels. The server and its kernels stop afterwards.
    """
    config = scratch / "config"
    _no_news_toast(config)
    token = secrets.token_hex(16)
    port = _free_port()
    server_env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(scratch / "data"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        "--ServerApp.allow_root=True",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to run cells
    ]
    with (scratch / "jupyterlab.log").open("wb") as log:
        server = subprocess.Popen(
            command, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            lab = Lab(f"http://127.0.0.1:{port}", token)
            _wait_for_server(lab, server)
            yield lab
        finally:
            _stop(server)


@contextmanager
def chromium(path: Path) -> Iterator[Browser]:
    """Headless Chromium from `path`, through Playwright (which downloads no browser of its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_notebook(page: Page, lab: Lab, path: str, timeout_ms: float = 60_000) -> None:
    """Open the notebook `path` and wait until its kernel is idle, accepting a kernel dialog.

    As a learner does: by its address the first time, then in the JupyterLab already open
    on the page, the way its file browser opens a notebook.
    """
    if page.url.startswith(f"{lab.base}/lab") and page.evaluate("() => !!window.jupyterapp"):
        page.evaluate(
            "(path) => { jupyterapp.commands.execute('docmanager:open', { path }); return 1 }",
            path,
        )
    else:
        page.goto(lab.url(path))
    opening = page.wait_for_function(OPENING, arg=path, timeout=timeout_ms).json_value()
    if opening == "dialog":
        page.click(".jp-Dialog button.jp-mod-accept")
        wait_for_idle(page, path, timeout_ms)


def wait_for_idle(page: Page, path: str, timeout_ms: float = 60_000) -> None:
    """Wait until the kernel of the open notebook `path` is idle."""
    page.wait_for_function(
        f"(path) => {{ {PANEL} return panel?.sessionContext.session?.kernel?.status === 'idle' }}",
        arg=path,
        timeout=timeout_ms,
    )


def close_notebook(page: Page, path: str) -> None:
    """Shut the kernel of the open notebook `path` down, save the notebook and close it."""
    page.evaluate(CLOSE, path)


def _no_news_toast(config_dir: Path) -> None:
    """Turn off JupyterLab's "notified about news?" question, which would cover the page."""
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(lab: Lab, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}")
        try:
            lab.api("/api/status")
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {seconds} s")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and the kernels it started (its own process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
