"""A clock that moves only by the waits, shared by the sandbox and the client in pacing tests."""

from __future__ import annotations

from typing import Any

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.throttle import Throttle
from instapd.sandbox import Sandbox


class ManualClock:
    """Reads as ``clock()``; moves only when someone calls :meth:`sleep` on it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def paced_connection(
    sandbox: Sandbox,
    clock: ManualClock,
    *,
    token: str | None = None,
    max_wait: float = 3600,
    **props: Any,
) -> instapd.Connection:
    """A connection whose throttle and retries wait on ``clock``, not in real time."""
    return instapd.connect(
        graph_url=sandbox.url,
        access_token=token or sandbox.token,
        throttle=Throttle(max_delay=2.0, sleep=clock.sleep, clock=clock),
        retry=RetryPolicy(backoff_initial=0.001, max_wait=max_wait, sleep=clock.sleep),
        Cache=False,
        **props,
    )
