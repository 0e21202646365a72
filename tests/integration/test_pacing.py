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
from instapd.graph.throttle import paced_account
from instapd.sandbox import Sandbox

from ..clocks import ManualClock, paced_connection


class Clock(ManualClock):
    """Also records each wait with the account it was paced for."""

    def __init__(self) -> None:
        super().__init__()
        self.paced: list[tuple[str | None, float]] = []
        self.on_sleep = lambda account: None

    def sleep(self, seconds: float) -> None:
        account = paced_account()
        self.paced.append((account, seconds))
        self.on_sleep(account)
        super().sleep(seconds)

    def waited(self, account: str) -> list[float]:
        return [s for a, s in self.paced if a == account]


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
        connection = paced_connection(sandbox, clock, max_wait=7200, Pagesize=50)
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
            ["Media"],
            accounts=[busy, idle],
            connection=paced_connection(sandbox, clock, max_wait=7200, Pagesize=50),
            location=tmp_path,
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
        connection = paced_connection(sandbox, clock, max_wait=7200, Pagesize=50)
        for account in (first, second):
            assert len(connection.read("Media", account=account)) > 0
    assert clock.waited(first), "the first account slowed down"
    assert clock.waited(second), "and so did the second"
    assert sandbox.app.usage.refused == 0
