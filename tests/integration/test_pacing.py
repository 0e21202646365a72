"""Pacing per account and per app: one busy account waits alone; a busy app slows everyone.

The sandbox counts calls per app and per account and reports both in the usage headers; its
clock and the client's are one injected clock that moves only by the client's waits.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import requests

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.throttle import Throttle, paced_account
from instapd.sandbox import Sandbox


class Clock:
    """Moves only by the waits; records each wait with the account it was paced for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[tuple[str | None, float]] = []
        self.on_sleep = lambda account: None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        account = paced_account()
        self.waits.append((account, seconds))
        self.on_sleep(account)
        self.now += seconds

    def waited(self, account: str) -> list[float]:
        return [s for a, s in self.waits if a == account]


def _connect(sandbox: Sandbox, clock: Clock) -> instapd.Connection:
    return instapd.connect(
        graph_url=sandbox.url,
        access_token=sandbox.token,
        throttle=Throttle(max_delay=2.0, sleep=clock.sleep, clock=clock),
        retry=RetryPolicy(backoff_initial=0.001, max_wait=7200, sleep=clock.sleep),
        Cache=False,
        Pagesize=50,
    )


def _use_up(sandbox: Sandbox, path: str, calls: int) -> None:
    """Spend ``calls`` of the sandbox's counts on ``path``, outside the client."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    for _ in range(calls):
        requests.get(f"{sandbox.url}/v25.0/{path}", headers=headers, timeout=10)


def test_an_account_over_its_limit_waits_while_the_others_go_on() -> None:
    clock = Clock()
    with Sandbox(clock=clock) as sandbox:
        busy, idle = sandbox.account_ids[:2]
        sandbox.app.usage.account_limit = 10
        _use_up(sandbox, busy, 10)  # busy is at 100%: locked out for the window (an hour)
        connection = _connect(sandbox, clock)
        busy_waiting, idle_done = threading.Event(), threading.Event()

        def hold_busy(account: str | None) -> None:  # busy's wait lasts until idle is read
            if account == busy:
                busy_waiting.set()
                assert idle_done.wait(60), "the idle account's read never finished"

        clock.on_sleep = hold_busy
        frames: dict[str, pd.DataFrame] = {}
        worker = threading.Thread(
            target=lambda: frames.update(busy=connection.read("Media", account=busy))
        )
        worker.start()
        assert busy_waiting.wait(60), "the busy account never waited"
        frames["idle"] = connection.read("Media", account=idle)  # while busy is waiting
        idle_done.set()
        worker.join(60)

    assert (len(frames["busy"]), len(frames["idle"])) == (160, 60)  # all of both
    assert clock.waited(idle) == [], "the idle account never waited for the busy one"
    assert max(clock.waited(busy)) >= 3600 - 60, "the busy account waited its lockout out"
    assert sandbox.app.usage.refused == 1, "refused once, then waited out, not hammered"


def test_a_snapshot_paces_each_account_on_its_own(tmp_path: Path) -> None:
    clock = Clock()
    with Sandbox(clock=clock) as sandbox:
        busy, idle = sandbox.account_ids[:2]
        sandbox.app.usage.account_limit = 10
        _use_up(sandbox, busy, 10)
        summary = instapd.snapshot(
            ["Media"], accounts=[busy, idle], connection=_connect(sandbox, clock), location=tmp_path
        )
    assert summary["status"].tolist() == ["written", "written"]
    assert summary["rows"].tolist() == [160, 60]
    assert clock.waited(idle) == []
    assert clock.waited(busy), "the busy account's reads waited"


def test_app_usage_over_the_limit_makes_every_account_wait() -> None:
    clock = Clock()
    with Sandbox(clock=clock) as sandbox:
        first, second = sandbox.account_ids[:2]
        sandbox.app.usage.call_limit = 100
        _use_up(sandbox, "me", 80)  # the app at 80%: past slow_from (75), no account's count
        connection = _connect(sandbox, clock)
        for account in (first, second):
            assert len(connection.read("Media", account=account)) > 0
    assert clock.waited(first), "the first account slowed down"
    assert clock.waited(second), "and so did the second"
    assert sandbox.app.usage.refused == 0
