"""What each student may do, and what each student did: the gateway's bookkeeping.

    >>> roster = Roster(["ada"], Limits(rpm=2, concurrent=1, budget=0))
    >>> roster.admit("ada", now=0.0) is None
    True
    >>> roster.admit("ada", now=1.0).kind       # one reply is still streaming
    'concurrent'
    >>> roster.finish("ada", "complete", output_tokens=12)
    >>> roster.admit("ada", now=2.0) is None
    True
    >>> roster.finish("ada", "complete")
    >>> refusal = roster.admit("ada", now=3.0)
    >>> refusal.kind, refusal.retry_after      # two requests in the last minute
    ('rpm', 57.0)

Every admitted request ends in exactly one outcome, so for each student
``requests == complete + error + stopped + replayed + active``.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

OUTCOMES = ("complete", "error", "stopped", "replayed")
WINDOW_SECONDS = 60.0
CONCURRENT_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Limits:
    """Per-student limits; 0 means no limit."""

    rpm: int = 30  # requests a minute
    concurrent: int = 2  # replies streaming at once
    budget: int = 100_000  # output tokens for the whole session


@dataclass(frozen=True)
class Refusal:
    """Why a request was not relayed: 'rpm', 'concurrent' or 'budget'."""

    kind: str
    retry_after: float | None = None


@dataclass
class StudentTally:
    """One student's counts since the gateway started."""

    name: str
    requests: int = 0
    active: int = 0
    complete: int = 0
    error: int = 0
    stopped: int = 0
    replayed: int = 0
    refused: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    last_error: str = ""
    recent: deque[float] = field(default_factory=deque, repr=False)

    def as_dict(self, budget: int) -> dict[str, object]:
        """The counts as plain values (what the instructor's status view shows)."""
        counts = {name: value for name, value in vars(self).items() if name != "recent"}
        counts["budget_left"] = max(budget - self.output_tokens, 0) if budget else None
        return counts


class Roster:
    """The tallies of all students, and the decision to admit a request."""

    def __init__(self, names: list[str], limits: Limits) -> None:
        self.limits = limits
        self.tallies = {name: StudentTally(name) for name in names}

    def admit(self, name: str, now: float | None = None) -> Refusal | None:
        """Count a request in, or say why it must wait (the refusal is counted too)."""
        now = time.monotonic() if now is None else now
        tally = self.tallies[name]
        refusal = self._refusal(tally, now)
        if refusal is not None:
            tally.refused += 1
            return refusal
        tally.recent.append(now)
        tally.requests += 1
        tally.active += 1
        return None

    def _refusal(self, tally: StudentTally, now: float) -> Refusal | None:
        limits = self.limits
        while tally.recent and tally.recent[0] <= now - WINDOW_SECONDS:
            tally.recent.popleft()
        if limits.budget and tally.output_tokens >= limits.budget:
            return Refusal("budget")
        if limits.concurrent and tally.active >= limits.concurrent:
            return Refusal("concurrent", CONCURRENT_RETRY_SECONDS)
        if limits.rpm and len(tally.recent) >= limits.rpm:
            return Refusal("rpm", round(tally.recent[0] + WINDOW_SECONDS - now, 3))
        return None

    def finish(
        self,
        name: str,
        outcome: str,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        error: str = "",
    ) -> None:
        """Count an admitted request out with its outcome (one of `OUTCOMES`)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        tally = self.tallies[name]
        tally.active -= 1
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        tally.input_tokens += input_tokens
        tally.output_tokens += output_tokens
        if error:
            tally.last_error = error

    def snapshot(self) -> list[dict[str, object]]:
        """Every student's counts, in the tokens file's order."""
        return [tally.as_dict(self.limits.budget) for tally in self.tallies.values()]
