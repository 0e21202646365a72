"""Retries under faults, no partial results passed off as complete, and no leaked secrets."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.throttle import Throttle
from instapd.sandbox import Faults, Sandbox

FAST = RetryPolicy(attempts=4, backoff_initial=0.001, backoff_max=0.01)


def _connect(sandbox: Sandbox, token: str | None = None, **props: object) -> instapd.Connection:
    """A connection without the cache: these tests are about the API path."""
    return instapd.connect(
        graph_url=sandbox.url,
        access_token=token or sandbox.token,
        retry=FAST,
        throttle=Throttle(max_delay=0.01),
        Cache=False,
        **props,
    )


@pytest.mark.parametrize(
    "kind", ["error-1", "error-2", "throttle-4", "throttle-17", "throttle-32", "throttle-613",
             "throttle-80002", "drop", "truncate"],
)  # fmt: skip
def test_each_fault_is_retried_and_the_frame_is_unchanged(
    clean_sandbox: Sandbox, account: str, kind: str
) -> None:
    connection = _connect(clean_sandbox, Pagesize=40)
    clean = connection.read("Comments", account=account)
    clean_requests = clean_sandbox.requests_served
    clean_sandbox.app.reset_counters()
    clean_sandbox.faults = Faults(schedule={2: kind, 3: kind})
    faulty = _connect(clean_sandbox, Pagesize=40).read("Comments", account=account)
    pd.testing.assert_frame_equal(clean, faulty)
    if kind == "error-1":  # code 1 may mean "too much data": the next pages are smaller
        assert clean_sandbox.requests_served > clean_requests + 2
    else:
        assert clean_sandbox.requests_served == clean_requests + 2  # each fault cost one retry


def test_random_faults_give_identical_frames(clean_sandbox: Sandbox, account: str) -> None:
    connection = _connect(clean_sandbox, Pagesize=25)
    clean = connection.read("Replies", account=account)
    clean_sandbox.faults = Faults(rate=0.2, seed=11)
    retrying = instapd.connect(
        graph_url=clean_sandbox.url,
        access_token=clean_sandbox.token,
        Pagesize=25,
        Cache=False,
        throttle=Throttle(max_delay=0.01),
        retry=RetryPolicy(attempts=8, backoff_initial=0.001, backoff_max=0.01),
    )
    pd.testing.assert_frame_equal(clean, retrying.read("Replies", account=account))
    assert clean_sandbox.faults.fired > 0


def test_retries_run_out_part_way_raises_not_a_partial_frame(
    clean_sandbox: Sandbox, account: str
) -> None:
    clean_sandbox.faults = Faults(schedule=dict.fromkeys(range(3, 20), "error-2"))
    with pytest.raises(instapd.IncompleteReadError, match="failed after 40 rows") as info:
        _connect(clean_sandbox, Pagesize=20).read("Media", account=account)
    assert info.value.rows_read == 40
    assert isinstance(info.value.__cause__, instapd.TransientError)


def test_first_request_failing_raises_the_typed_error(clean_sandbox: Sandbox, account: str) -> None:
    clean_sandbox.faults = Faults(schedule=dict.fromkeys(range(1, 10), "throttle-4"))
    with pytest.raises(instapd.RateLimitedError, match="wait"):
        _connect(clean_sandbox).read("Media", account=account)
    assert clean_sandbox.requests_served == FAST.attempts, "bounded: never an endless loop"


def test_a_long_throttle_is_raised_not_slept(clean_sandbox: Sandbox, account: str) -> None:
    clean_sandbox.faults = Faults(schedule={1: "throttle-80002"}, regain_minutes=30)
    with pytest.raises(instapd.RateLimitedError, match="1800 s") as info:
        _connect(clean_sandbox).read("Media", account=account)
    assert info.value.retry_after == 1800
    assert clean_sandbox.requests_served == 1


def test_no_token_in_logs_errors_or_reprs(
    clean_sandbox: Sandbox, account: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL at DEBUG
    good = _connect(clean_sandbox, Pagesize=30, client_secret="app-secret-xyz")
    expired = clean_sandbox.issue_token(lifetime=-1)
    texts = [repr(good), repr(good.config), repr(good.client)]
    good.read("Comments", account=account)
    clean_sandbox.faults = Faults(schedule={clean_sandbox.requests_served + 1: "error-2"})
    good.read("Media", account=account)
    for token, table in [(expired, "Media"), ("not-a-real-token-123", "Stories")]:
        with pytest.raises(instapd.AuthError) as info:
            _connect(clean_sandbox, token).read(table, account=account)
        texts += [str(info.value), repr(info.value)]
    texts.append(caplog.text)
    assert "retrying" in caplog.text, "the log did record the retry"
    for secret in (clean_sandbox.token, expired, "not-a-real-token-123", "app-secret-xyz"):
        assert all(secret not in text for text in texts)


def test_paging_links_are_rebased_on_the_configured_host(clean_sandbox: Sandbox) -> None:
    """A next link naming another host never receives our token."""
    client = _connect(clean_sandbox).client
    url, query = client._resolve("https://elsewhere.invalid/v25.0/1/media?access_token=x&a=1", {})
    assert url == f"{clean_sandbox.url}/v25.0/1/media"
    assert query == {"a": "1"}
