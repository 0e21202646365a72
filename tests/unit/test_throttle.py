"""The throttle's bookkeeping: per-account holds, the app's pace for all, nothing kept for long."""

from __future__ import annotations

from instapd.graph.throttle import Throttle, paced_for
from instapd.graph.usage import AccountUsage, Usage

from ..clocks import ManualClock


def _throttle() -> tuple[Throttle, ManualClock]:
    clock = ManualClock(now=0.0)
    return Throttle(max_delay=8.0, sleep=clock.sleep, clock=clock), clock


def test_an_account_lockout_holds_only_that_account() -> None:
    throttle, clock = _throttle()
    throttle.after_response(Usage(accounts={"A": AccountUsage(100, 120.0), "B": AccountUsage(10)}))
    throttle.before_request("B")
    with paced_for("B"):
        throttle.before_request()
    assert clock.waits == []
    with paced_for("A"):
        throttle.before_request()
    assert clock.waits == [120.0]
    throttle.wait_out_lockout("A")  # the lockout is over: no second wait
    assert clock.waits == [120.0]


def test_app_usage_paces_every_account() -> None:
    throttle, clock = _throttle()
    throttle.after_response(Usage(app_percent=100))
    for account in ("A", "B", None):
        throttle.before_request(account)
    assert clock.waits == [8.0, 8.0, 8.0]
    throttle.wait_out_lockout("A")  # a delay is not a lockout
    assert len(clock.waits) == 3


def test_an_account_back_under_the_limits_is_forgotten() -> None:
    throttle, clock = _throttle()
    throttle.after_response(Usage(accounts={"A": AccountUsage(90)}))
    assert set(throttle._accounts) == {"A"}
    throttle.after_response(Usage(accounts={"A": AccountUsage(20)}))
    assert throttle._accounts == {}
    throttle.before_request("A")
    assert clock.waits == []


def test_holds_names_only_accounts_slowed_or_locked_out_now() -> None:
    throttle, clock = _throttle()
    throttle.after_response(
        Usage(accounts={"A": AccountUsage(100, 60.0), "B": AccountUsage(90), "C": AccountUsage(5)})
    )
    assert (throttle.holds("A"), throttle.holds("B"), throttle.holds("C")) == (True, True, False)
    assert not throttle.holds(None)
    throttle.after_response(Usage(accounts={"B": AccountUsage(10)}))  # B is back under the limit
    clock.sleep(61)  # A's lockout is over, but it stays slowed until an answer says otherwise
    assert (throttle.holds("A"), throttle.holds("B")) == (True, False)
    throttle.after_response(Usage(accounts={"A": AccountUsage(20)}))
    assert not throttle.holds("A")
