"""How closely the replay keeps recorded time, measured where the SDK yields each event.

    python benchmarks/bench_replay_timing.py

A synthesized 300-token stream (small-model pace) is replayed through the real SDK at
speeds 1 and 4, sync and async; for every event we compare the moment the SDK hands it
over with its recorded offset divided by the speed. Reports the mean and worst error, in
milliseconds and as a share of the offset.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import anthropic
import httpx2

from streaming_course.replay.library import FixtureLibrary
from streaming_course.replay.synth import TextBlock, synthesize
from streaming_course.replay.transport import ReplayTransport

REQUEST = {
    "model": "claude-haiku-5-5",
    "max_tokens": 300,
    "stream": True,
    "messages": [{"role": "user", "content": "Tell me about tides."}],
}
REPLY = "The tide rises and falls twice a day as the moon pulls on the sea. " * 30


def main() -> None:
    fixture = synthesize(REQUEST, [TextBlock(REPLY)], seed="bench")
    library = FixtureLibrary([fixture])
    recorded = [e.at for e in fixture.events if e.type != "ping"]
    _ = list(_sync_client(library, 0).messages.create(**REQUEST))  # warm the SDK up
    print(f"{len(recorded)} events over {fixture.duration:.2f} s recorded")
    for speed in (1.0, 4.0):
        sync = _sync_arrivals(library, speed)
        async_ = asyncio.run(_async_arrivals(library, speed))
        for name, arrivals in (("sync", sync), ("async", async_)):
            _report(name, speed, arrivals, [at / speed for at in recorded])


def _sync_client(library: FixtureLibrary, speed: float) -> anthropic.Anthropic:
    transport = ReplayTransport(library, speed=speed, strict=True)
    return anthropic.Anthropic(api_key="x", http_client=httpx2.Client(transport=transport))


def _sync_arrivals(library: FixtureLibrary, speed: float) -> list[float]:
    client = _sync_client(library, speed)
    started = time.monotonic()
    return [time.monotonic() - started for _ in client.messages.create(**REQUEST)]


async def _async_arrivals(library: FixtureLibrary, speed: float) -> list[float]:
    transport = ReplayTransport(library, speed=speed, strict=True)
    client = anthropic.AsyncAnthropic(
        api_key="x", http_client=httpx2.AsyncClient(transport=transport)
    )
    started = time.monotonic()
    stream = await client.messages.create(**REQUEST)
    return [time.monotonic() - started async for _ in stream]


def _report(name: str, speed: float, arrivals: list[float], expected: list[float]) -> None:
    errors = [got - want for got, want in zip(arrivals, expected, strict=True)]
    shares = [abs(e) / want for e, want in zip(errors, expected, strict=True) if want > 0]
    print(
        f"speed {speed:g} {name:<5}: mean error {statistics.mean(errors) * 1000:+.2f} ms, "
        f"worst {max(map(abs, errors)) * 1000:.2f} ms, "
        f"worst share {max(shares):.2%} of the offset"
    )


if __name__ == "__main__":
    main()
