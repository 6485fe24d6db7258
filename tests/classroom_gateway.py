"""Start `streaming-course classroom serve` as the instructor would, on 127.0.0.1, for tests.

The gateway runs in its own process with a fake but distinctive key in its environment, so
tests can search everything a student receives, and the gateway's log, for that key.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from streaming_course.classroom.tokens import new_tokens, write_tokens

SECRET_KEY = "sk-ant-" + "test-SECRET-" + secrets.token_hex(12)  # split: no key-shaped text in git
START_TIMEOUT = 40.0


HTTP = httpx2.Client(timeout=20)  # one client for the tests' own requests (each new one loads TLS)


@dataclass
class RunningGateway:
    url: str
    tokens: dict[str, str]  # name → token
    instructor_token: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def status(self) -> dict:
        response = HTTP.get(
            f"{self.url}/classroom/status",
            params={"format": "json", "token": self.instructor_token},
        )
        response.raise_for_status()
        return response.json()

    def tally(self, name: str) -> dict:
        return next(s for s in self.status()["students"] if s["name"] == name)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_gateway(
    folder: Path, upstream: str, *options: str, students: int = 30, env: dict | None = None
) -> Iterator[RunningGateway]:
    """Run the gateway until the block ends; `options` go to `classroom serve`."""
    folder.mkdir(parents=True, exist_ok=True)
    pairs = new_tokens(students)
    tokens_file = write_tokens(pairs, folder / "tokens.txt", force=True)
    log_path = folder / "gateway.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")},
        "ANTHROPIC_API_KEY": SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        "STREAMING_COURSE_LANG": "en",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "streaming_course.cli",
        "classroom",
        "serve",
        "--tokens",
        str(tokens_file),
        "--host",
        "127.0.0.1",
        "--port",
        "0",  # the system picks a free one; the gateway says which
        "--upstream",
        upstream,
        *options,
    ]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=environment
        )
    try:
        url, token = _wait_for_start(process, log_path)
        yield RunningGateway(url, dict(pairs), token, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_start(process: subprocess.Popen, log_path: Path) -> tuple[str, str]:
    """The gateway's URL and instructor token, from the lines it prints when it starts."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"(http://\S+)/classroom/status\?token=(\S+)", log_path.read_text())
        if found:
            return found.group(1), found.group(2)
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited: {log_path.read_text(encoding='utf-8')}")
        time.sleep(0.1)
    raise RuntimeError("the gateway did not start in time")
