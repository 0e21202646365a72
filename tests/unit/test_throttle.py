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


def test_a_locked_out_account_waits_in_its_own_thread_not_in_the_pool() -> None:
    """The pool has one worker. A's lockout is waited out in the thread that submits A's
    task, so B's task (submitted meanwhile) runs on the worker at once."""
    import threading

    from instapd.graph.client import PacedPool

    waiting, release = threading.Event(), threading.Event()
    waiters: list[tuple[str, float]] = []
    now = [0.0]

    def sleep(seconds: float) -> None:  # A's wait lasts until B's task has run
        waiters.append((threading.current_thread().name, seconds))
        waiting.set()
        assert release.wait(60), "B's task never ran while A waited"
        now[0] += seconds

    throttle = Throttle(sleep=sleep, clock=lambda: now[0])
    throttle.after_response(Usage(accounts={"A": AccountUsage(100, 3600.0)}))
    pool = PacedPool(throttle, 1)
    try:

        def submit_a() -> None:
            with paced_for("A"):
                pool.submit(throttle.before_request).result(60)  # as a request would

        a = threading.Thread(target=submit_a, name="submits-A")
        a.start()
        assert waiting.wait(60), "A never waited"
        assert waiters[0] == ("submits-A", 3600.0), "A's lockout is waited out before the pool"
        with paced_for("B"):
            ran = pool.submit(lambda: "B ran").result(60)  # not queued behind A's wait
        release.set()
        a.join(60)
    finally:
        release.set()
        pool.shutdown(wait=True)
    assert ran == "B ran"
    lockouts = [name for name, seconds in waiters if seconds >= 3600]
    assert lockouts == ["submits-A"], "the pool's worker never sat out A's lockout"


def test_a_widened_client_runs_that_many_requests_side_by_side() -> None:
    """A snapshot widens the client's pool to its workers: eight tasks that each wait for all
    eight to have started finish only when eight run at once (four never would)."""
    import threading

    from instapd.graph import GraphClient

    client = GraphClient(base_url="https://graph.facebook.com", version="v25.0", access_token="t")
    try:
        first = client.pool
        client.widen(8)
        client.widen(2)  # never narrows
        assert client.concurrency == 8
        together = threading.Barrier(8, timeout=60)
        done = [client.pool.submit(together.wait) for _ in range(8)]
        assert sorted(f.result(timeout=120) for f in done) == list(range(8))
        assert client.pool is not first
    finally:
        client.close()
