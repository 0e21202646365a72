"""Few round trips, pacing from the usage headers, and nothing lost under faults."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.throttle import Throttle
from instapd.readers import SkippedWarning
from instapd.sandbox import Faults, Sandbox
from instapd.sandbox.faults import GRAPH_FAULTS, OPERATION_FAULTS, TRANSPORT_FAULTS

from ..browser_double import click_through
from ..clocks import ManualClock, paced_connection

PATIENT = RetryPolicy(attempts=10, backoff_initial=0.001, backoff_max=0.005)
TABLES = ("Media", "Comments", "Replies", "MediaChildren", "MediaInsights", "AccountInsights")


def _connect(sandbox: Sandbox, **props: Any) -> instapd.Connection:
    settings: dict[str, Any] = {
        "graph_url": sandbox.url,
        "access_token": sandbox.token,
        "retry": PATIENT,
        "throttle": Throttle(max_delay=0.001),
        "Cache": False,
        "Pagesize": 40,
    }
    return instapd.connect(**{**settings, **props})


def _read(connection: instapd.Connection, table: str, account: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        return connection.read(table, account=account)


@pytest.fixture(scope="module")
def clean_frames(sandbox: Sandbox) -> dict[str, pd.DataFrame]:
    sandbox.faults = Faults()
    account = sandbox.account_ids[0]
    return {t: _read(_connect(sandbox), t, account) for t in TABLES}


def test_one_request_in_five_failing_changes_nothing(
    clean_sandbox: Sandbox, account: str, clean_frames: dict[str, pd.DataFrame]
) -> None:
    clean_sandbox.faults = Faults(rate=0.2, seed=5, op_rate=0.2)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            _read(_connect(clean_sandbox), table, account), clean_frames[table]
        )
    assert clean_sandbox.requests_served > 0
    assert clean_sandbox.faults.fired > 10  # the faults did happen, and changed nothing


SCHEDULED = ("Comments", "MediaInsights", "Replies", "AccountInsights")


@pytest.fixture(scope="module")
def clean_costs(sandbox: Sandbox) -> dict[str, tuple[int, int]]:
    """Requests and batch operations of a fault-free read of each table."""
    sandbox.faults = Faults()
    costs = {}
    for table in SCHEDULED:
        sandbox.app.reset_counters()
        _read(_connect(sandbox), table, sandbox.account_ids[0])
        operations = sum(1 for line in sandbox.app.log if line.startswith("BATCH"))
        costs[table] = (sandbox.requests_served, operations)
    return costs


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), table=st.sampled_from(SCHEDULED))
def test_any_fault_schedule_gives_the_fault_free_frame(
    sandbox: Sandbox,
    clean_frames: dict[str, pd.DataFrame],
    clean_costs: dict[str, tuple[int, int]],
    data: st.DataObject,
    table: str,
) -> None:
    requests, operations = clean_costs[table]
    # faults only where a read certainly goes: a retry adds requests, never removes them
    schedule = data.draw(
        st.dictionaries(
            st.integers(1, requests),
            st.sampled_from([*GRAPH_FAULTS, *TRANSPORT_FAULTS]),
            min_size=1,
            max_size=5,
        )
    )
    op_schedule = (
        data.draw(
            st.dictionaries(
                st.integers(1, operations), st.sampled_from(OPERATION_FAULTS), max_size=6
            )
        )
        if operations
        else {}
    )
    sandbox.app.reset_counters()
    faults = Faults(schedule=schedule, op_schedule=op_schedule)
    sandbox.faults = faults
    try:
        frame = _read(_connect(sandbox), table, sandbox.account_ids[0])
    finally:
        sandbox.faults = Faults()
    pd.testing.assert_frame_equal(frame, clean_frames[table])
    # Every request fault fires (retries only add requests), and the first operation fault (the
    # read is the clean one up to it); a later one may fall on an operation an earlier fault
    # took out of the batches (a code 1 reads that media's comments alone, page by page).
    assert faults.fired >= len(schedule) + bool(op_schedule)


def test_failed_and_unanswered_batch_operations_are_retried_alone(
    clean_sandbox: Sandbox, account: str, clean_frames: dict[str, pd.DataFrame]
) -> None:
    clean_sandbox.faults = Faults(op_schedule={3: "null", 9: "error-2", 20: "throttle-17"})
    frame = _read(_connect(clean_sandbox), "MediaInsights", account)
    pd.testing.assert_frame_equal(frame, clean_frames["MediaInsights"])
    alone = [
        line for line in clean_sandbox.app.log if line.startswith("GET") and "/insights" in line
    ]
    assert len(alone) == 3, "only the three failed operations were asked again, each on its own"


def test_media_insights_for_many_media_in_few_requests() -> None:
    with Sandbox(media_per_account=(400,)) as sandbox:
        frame = _read(_connect(sandbox), "MediaInsights", sandbox.account_ids[0])
        assert len(frame) == 400
        # 10 listing pages of 40, 8 batches of 50; refused media are skipped, not probed
        assert sandbox.requests_served == 10 + 8


def test_children_and_replies_come_inline(clean_sandbox: Sandbox, account: str) -> None:
    connection = _connect(clean_sandbox, Pagesize=100)
    connection.read("MediaChildren", account=account)
    assert clean_sandbox.requests_served == 2  # 160 media: two pages, children inside them
    clean_sandbox.app.reset_counters()
    connection.read("Replies", account=account)
    pages_of_threads = [line for line in clean_sandbox.app.log if "/comments" in line]
    assert pages_of_threads
    assert all(line.startswith("BATCH GET") for line in pages_of_threads)
    batches = [line for line in clean_sandbox.app.log if line.startswith("POST")]
    # the overflowing threads' next pages go out together, a level at a time
    assert clean_sandbox.requests_served == 2 + len(batches) < 2 + len(pages_of_threads)
    assert not any("/replies" in line for line in clean_sandbox.app.log)


def _paced_read(account_limit: int) -> tuple[ManualClock, Sandbox, pd.DataFrame]:
    clock = ManualClock()
    with Sandbox(clock=clock) as sandbox:
        sandbox.app.usage.account_limit = account_limit
        sandbox.app.usage.window = 600.0
        connection = paced_connection(sandbox, clock, Pagesize=10)
        frame = connection.read("Media", account=sandbox.account_ids[0])
    return clock, sandbox, frame


def test_pacing_waits_when_over_the_limits_and_not_when_under() -> None:
    clock, sandbox, frame = _paced_read(account_limit=6)  # 16 pages: over twice
    assert len(frame) == 160
    assert clock.waits, "the client slowed down and waited for access to return"
    assert max(clock.waits) >= 60  # a lockout of minutes, waited out on the sandbox's clock
    assert sandbox.app.usage.refused <= 2, "the account was waited out, not hammered"
    clock, sandbox, frame = _paced_read(account_limit=1000)
    assert len(frame) == 160
    assert clock.waits == []  # well under the limits: no pause at all
    assert sandbox.app.usage.refused == 0


def test_past_the_limit_the_sandbox_refuses_until_access_returns(account: str) -> None:
    """A naive client that retries at once stays locked out; on the sandbox's clock it ends."""
    clock = ManualClock()
    with Sandbox(clock=clock) as sandbox:
        sandbox.app.usage.account_limit = 3
        url = f"{sandbox.url}/v25.0/{account}/media"
        headers = {"Authorization": f"Bearer {sandbox.token}"}
        answers = [requests.get(url, headers=headers, timeout=10) for _ in range(6)]
        assert [a.status_code for a in answers] == [200, 200, 200, 400, 400, 400]
        assert {a.json()["error"]["code"] for a in answers[3:]} == {80002}
        usage = json.loads(answers[-1].headers["X-Business-Use-Case-Usage"])[account][0]
        assert usage["call_count"] == 100
        minutes = usage["estimated_time_to_regain_access"]
        assert minutes == 60  # the window is an hour; the first call leaves it then
        clock.now += minutes * 60 - 1
        assert requests.get(url, headers=headers, timeout=10).status_code == 400
        clock.now += 1
        assert requests.get(url, headers=headers, timeout=10).status_code == 200


def test_a_throttled_account_is_waited_out_not_hammered(account: str) -> None:
    waits: list[float] = []
    retried: list[float] = []
    with Sandbox() as sandbox:
        sandbox.faults = Faults(schedule={2: "throttle-80002"}, regain_minutes=1)
        listener: list[tuple[float, str]] = []
        throttle = Throttle(sleep=waits.append)
        throttle.listeners.append(lambda seconds, why: listener.append((seconds, why)))
        retry = RetryPolicy(attempts=3, backoff_initial=0.001, sleep=retried.append)
        connection = instapd.connect(
            graph_url=sandbox.url,
            access_token=sandbox.token,
            throttle=throttle,
            retry=retry,
            Cache=False,
            Pagesize=50,
        )
        frame = connection.read("Media", account=sandbox.account_ids[0])
        assert len(frame) == 160
        assert sandbox.requests_served == 5  # 4 pages, and the throttled one once more
    assert retried == [0.0], "no second wait on top of the throttle's"
    assert max(waits) == pytest.approx(60, abs=1)
    assert listener[0][1] == "regaining access"


def test_an_expired_token_mid_read_is_renewed_and_the_read_goes_on(
    clean_sandbox: Sandbox, tmp_path: Path, account: str, clean_frames: dict[str, pd.DataFrame]
) -> None:
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)
        click_through(url)

    connection = _connect(
        clean_sandbox,
        OAuthClientId=clean_sandbox.oauth_app.app_id,
        OAuthClientSecret=clean_sandbox.oauth_app.app_secret,
        OAuthAuthorizationURL=clean_sandbox.dialog_url,
        OAuthSettingsLocation=str(tmp_path / "token.json"),
        CallbackURL="http://localhost:0/",
        InitiateOAuth="GETANDREFRESH",
        access_token=None,
        browser=browser,
    )
    connection.read("Permissions")  # logged in
    start = clean_sandbox.requests_served
    clean_sandbox.faults = Faults(schedule={start + 3: "expire-token"})
    frame = _read(connection, "Comments", account)
    pd.testing.assert_frame_equal(frame, clean_frames["Comments"])
    assert len(opened) == 2, "the expired token was replaced by a new login, once"


def test_several_accounts_are_walked_side_by_side_in_order(
    clean_sandbox: Sandbox, clean_frames: dict[str, pd.DataFrame]
) -> None:
    connection = _connect(clean_sandbox)
    both = _read(connection, "Comments", "all")
    first, second = clean_sandbox.account_ids
    separate = [connection.read("Comments", account=a) for a in (first, second)]
    expected = pd.concat(separate, ignore_index=True)
    pd.testing.assert_frame_equal(both, expected, check_like=False)
    assert both["business_account_id"].iloc[0] == first
    assert both["business_account_id"].iloc[-1] == second
    limited = connection.read("Media", account="all", limit=3)
    assert set(limited["business_account_id"]) == {first}, "a limit still stops at once"
