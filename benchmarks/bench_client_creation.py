"""What does making a replay client cost, and how late does a replayed stream run because of it?

A workshop notebook (or the classroom gateway) may make many clients: 30 students, or one per
cell. Each client used to parse the whole fixture library again. Now files are parsed once per
process and shared (and read again only when they change). In one run we measure:

1. making 30 replay clients with the parse cache emptied before each (as before);
2. making 30 replay clients with the cache shared (as now);
3. the lag of a replayed stream's last event behind its recorded time when 30 async clients
   are made inside the running event loop while it streams, both ways.

Run it with ``python benchmarks/bench_client_creation.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import statistics
import time

from streaming_course.client import make_async_client, make_client
from streaming_course.config import PACKAGE_FIXTURES, load_settings
from streaming_course.replay import library
from streaming_course.replay.fixture import load_fixture

CLIENTS = 30
SETUP_FIXTURE = PACKAGE_FIXTURES / "01-setup" / "hello.sse"
"""A stream of the first lesson; its request is replayed while the clients are made."""


def make_clients(cold: bool) -> float:
    """Seconds to make `CLIENTS` replay clients (cold: parse every file each time)."""
    settings = load_settings({"STREAMING_COURSE_MODE": "replay"})
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(CLIENTS):
            if cold:
                library._parsed.clear()
            make_client(settings)
    return time.perf_counter() - started


async def lag_while_making_clients(cold: bool) -> float:
    """How late the replayed stream's last event arrives, in seconds."""
    settings = load_settings(
        {"STREAMING_COURSE_MODE": "replay", "STREAMING_COURSE_REPLAY_SPEED": "1"}
    )
    with contextlib.redirect_stdout(io.StringIO()):
        client = make_async_client(settings)
    started = time.monotonic()
    recorded = load_fixture(SETUP_FIXTURE)
    stream = await client.messages.create(**recorded.request)
    recorded_end = recorded.duration / settings.replay_speed

    async def make_many() -> None:
        for _ in range(CLIENTS):
            if cold:
                library._parsed.clear()
            with contextlib.redirect_stdout(io.StringIO()):
                make_async_client(settings)
            await asyncio.sleep(0)

    maker = asyncio.create_task(make_many())
    async for _event in stream:
        pass
    await maker
    return time.monotonic() - started - recorded_end


def main() -> None:
    make_clients(cold=False)  # warm the imports and the cache
    cold = min(make_clients(cold=True) for _ in range(3))
    warm = min(make_clients(cold=False) for _ in range(3))
    print(f"{CLIENTS} replay clients, parsing every file each time: {cold * 1000:7.1f} ms")
    print(f"{CLIENTS} replay clients, files parsed once and shared:  {warm * 1000:7.1f} ms")
    print(
        f"ratio shared / cold: {warm / cold:.3f} ({cold / CLIENTS * 1000:.1f} ms → "
        f"{warm / CLIENTS * 1000:.2f} ms a client)"
    )
    lags = {
        kind: [asyncio.run(lag_while_making_clients(kind == "cold")) for _ in range(3)]
        for kind in ("cold", "shared")
    }
    for kind, values in lags.items():
        print(
            f"last event late by (30 clients made meanwhile, {kind}): "
            f"median {statistics.median(values) * 1000:.0f} ms, worst {max(values) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
