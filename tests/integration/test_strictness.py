"""The sandbox as strict as Meta, and readers that hold up (issue 11)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import requests

import instapd
from instapd.graph.throttle import Throttle
from instapd.readers import RetentionWarning, SkippedWarning
from instapd.readers.ops import retention_start
from instapd.sandbox import Faults, Sandbox
from tests.support import FAST_RETRY

#: Tables whose reads expand nested edges (or nested pages), with the filters they need.
EXPANDING: dict[str, dict[str, Any]] = {
    "MediaChildren": {},
    "Comments": {},
    "Replies": {},
    "BusinessDiscoveryMedia": {"username": "nordic.roasters"},
}


def _connect(sandbox: Sandbox, **props: Any) -> instapd.Connection:
    settings: dict[str, Any] = {
        "graph_url": sandbox.url,
        "access_token": sandbox.token,
        "retry": FAST_RETRY,
        "throttle": Throttle(max_delay=0.001),
        "Cache": False,
    }
    return instapd.connect(**{**settings, **props})


def _read(sandbox: Sandbox, table: str, account: str, **filters: Any) -> pd.DataFrame:
    with _connect(sandbox) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedWarning)
        return conn.read(table, account=account, **filters)


@pytest.fixture
def sized(clean_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The session sandbox; its answer-size cap is put back afterwards."""
    before = clean_sandbox.app.max_objects
    yield clean_sandbox
    clean_sandbox.app.max_objects = before


# -- item 2: answers that hold too much --------------------------------------------------------


@pytest.mark.parametrize("table", EXPANDING)
def test_reads_under_a_size_limit_equal_unrestricted_reads(
    sized: Sandbox, account: str, table: str
) -> None:
    sized.app.max_objects = None
    unrestricted = _read(sized, table, account, **EXPANDING[table])
    sized.app.max_objects = 25
    sized.app.size_refusals = 0
    restricted = _read(sized, table, account, **EXPANDING[table])
    assert sized.app.size_refusals > 0  # the limit was hit, and the reader got past it
    assert len(unrestricted) > 25
    pd.testing.assert_frame_equal(restricted, unrestricted)


def test_the_size_limit_counts_nested_objects_and_refuses_the_same_request_again(
    sized: Sandbox, account: str
) -> None:
    """A naive client that repeats the request on code 1 never gets the page."""
    sized.app.max_objects = 25
    params = {"fields": "id,comments.limit(50){id,replies.limit(50){id}}", "limit": "10"}
    headers = {"Authorization": f"Bearer {sized.token}"}
    url = f"{sized.url}/v25.0/{account}/media"
    for _ in range(3):
        answer = requests.get(url, params=params, headers=headers, timeout=10)
        assert answer.status_code == 500
        error = answer.json()["error"]
        assert error["code"] == 1
        assert error["is_transient"] is True
        assert error["message"].startswith("Please reduce the amount of data")
    flat = requests.get(url, params={"fields": "id", "limit": "10"}, headers=headers, timeout=10)
    assert flat.status_code == 200  # ten objects pass; the nested ones were too many


def test_a_code_1_that_shrinking_cannot_help_is_retried_then_raised(
    sized: Sandbox, account: str
) -> None:
    sized.app.max_objects = 0
    with _connect(sized) as conn, pytest.raises(instapd.TooMuchDataError):
        conn.read("Media", account=account, limit=1)
    sized.faults = Faults()


# -- item 8: 2108006 in both forms -------------------------------------------------------------


def test_media_before_conversion_is_skipped_in_both_forms_without_retries(
    clean_sandbox: Sandbox, account: str
) -> None:
    pre = [
        m
        for m in clean_sandbox.dataset[account].edges["media"]
        if clean_sandbox.dataset[m].values.get("_pre_professional")
    ]
    headers = {"Authorization": f"Bearer {clean_sandbox.token}"}
    forms = {
        requests.get(
            f"{clean_sandbox.url}/v25.0/{m}/insights",
            params={"metric": "reach"},
            headers=headers,
            timeout=10,
        ).json()["error"]["code"]
        for m in pre
    }
    assert forms == {4, 100}  # the sandbox answers both of Meta's forms
    throttle = Throttle(max_delay=0.001)
    clean_sandbox.app.reset_counters()
    with (
        _connect(clean_sandbox, throttle=throttle) as conn,
        pytest.warns(SkippedWarning, match="2108006"),
    ):
        frame = conn.read("MediaInsights", account=account)
    assert frame.loc[frame["media_id"].isin(pre), "reach"].isna().all()
    log = clean_sandbox.app.log
    alone = [line for line in log if line.startswith("GET") and "insights" in line]
    assert not [line for line in alone if any(m in line for m in pre)]  # never asked again
    assert throttle.waited == 0


# -- item 3: ownership -------------------------------------------------------------------------


def test_another_users_token_gets_100_33_for_media_comments_and_profiles(
    clean_sandbox: Sandbox, account: str
) -> None:
    media = clean_sandbox.dataset[account].edges["media"][0]
    comment = clean_sandbox.dataset[media].edges["comments"][0]
    public = clean_sandbox.dataset.public_ids[0]
    public_media = clean_sandbox.dataset[public].edges["media"][0]
    stranger = clean_sandbox.issue_token(user_id="4242")
    for token, node in [
        (stranger, account),
        (stranger, media),
        (stranger, comment),
        (stranger, f"{media}/comments"),
        (clean_sandbox.token, public),  # a business seen through discovery is not ours
        (clean_sandbox.token, public_media),
    ]:
        answer = requests.get(
            f"{clean_sandbox.url}/v25.0/{node}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        error = answer.json()["error"]
        assert (error["code"], error["error_subcode"]) == (100, 33), node
    mine = requests.get(
        f"{clean_sandbox.url}/v25.0/{comment}",
        headers={"Authorization": f"Bearer {clean_sandbox.token}"},
        timeout=10,
    )
    assert mine.status_code == 200


@pytest.mark.parametrize(
    ("table", "filters"),
    [("Media", {}), ("InstagramBusinessProfile", {}), ("Comments", {"media_id": "first"})],
)
def test_reading_another_account_raises_at_once_naming_it(
    clean_sandbox: Sandbox, account: str, table: str, filters: dict[str, str]
) -> None:
    if filters.get("media_id") == "first":
        filters = {"media_id": clean_sandbox.dataset[account].edges["media"][0]}
    stranger = clean_sandbox.issue_token(user_id="4242")
    clean_sandbox.app.reset_counters()
    with (
        _connect(clean_sandbox, access_token=stranger) as conn,
        pytest.raises(instapd.NotYoursError, match=account) as info,
    ):
        conn.read(table, account=account, **filters)
    assert info.value.accounts == (account,)
    assert clean_sandbox.requests_served == 1  # no retries


# -- item 4: scopes per edge -------------------------------------------------------------------

BASIC = ("instagram_basic", "pages_show_list", "pages_read_engagement")


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("{media}/comments", {}, 10),
        ("{account}/media", {"fields": "id,comments{id}"}, 10),  # nested, as on its own
        ("{account}/insights", {"metric": "reach", "period": "day"}, 10),
        ("{account}", {"fields": "business_discovery.username(nordic.roasters){id}"}, 10),
        ("{account}/content_publishing_limit", {}, 200),
    ],
)
def test_each_edge_needs_its_scope(
    clean_sandbox: Sandbox, account: str, path: str, params: dict[str, str], code: int
) -> None:
    media = clean_sandbox.dataset[account].edges["media"][0]
    url = f"{clean_sandbox.url}/v25.0/" + path.format(media=media, account=account)
    weak = clean_sandbox.issue_token(scopes=BASIC)
    refused = requests.get(
        url, params=params, headers={"Authorization": f"Bearer {weak}"}, timeout=10
    )
    assert refused.json()["error"]["code"] == code
    full = requests.get(
        url, params=params, headers={"Authorization": f"Bearer {clean_sandbox.token}"}, timeout=10
    )
    assert full.status_code == 200


@pytest.mark.parametrize(
    ("table", "scope"),
    [("Comments", "instagram_manage_comments"), ("AccountInsights", "instagram_manage_insights")],
)
def test_a_read_without_the_scope_raises_naming_it(
    clean_sandbox: Sandbox, account: str, table: str, scope: str
) -> None:
    weak = clean_sandbox.issue_token(scopes=BASIC)
    with (
        _connect(clean_sandbox, access_token=weak) as conn,
        pytest.raises(instapd.PermissionDeniedError, match=scope) as info,
    ):
        conn.read(table, account=account)
    assert scope in info.value.scopes


# -- item 6: retention -------------------------------------------------------------------------


def test_the_sandbox_refuses_user_insights_older_than_90_days(
    clean_sandbox: Sandbox, account: str
) -> None:
    now = int(pd.Timestamp.now(tz="UTC").timestamp())
    headers = {"Authorization": f"Bearer {clean_sandbox.token}"}
    url = f"{clean_sandbox.url}/v25.0/{account}/insights"
    params = {"metric": "reach", "period": "day", "until": str(now - 80 * 86400)}
    old = requests.get(url, params={**params, "since": str(now - 95 * 86400)}, headers=headers,
                       timeout=10)  # fmt: skip
    assert old.status_code == 400
    assert old.json()["error"]["code"] == 100
    kept = requests.get(url, params={**params, "since": str(now - 89 * 86400)}, headers=headers,
                        timeout=10)  # fmt: skip
    assert kept.status_code == 200


@pytest.mark.parametrize("metric_type", ["time_series", "total_value"])
def test_an_old_range_reads_what_is_kept_and_warns_once(
    clean_sandbox: Sandbox, account: str, metric_type: str
) -> None:
    until = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=3)
    since = until - pd.Timedelta(days=150)
    with _connect(clean_sandbox) as conn:
        with pytest.warns(RetentionWarning) as caught:
            frame = conn.read("AccountInsights", account=account, since=since, until=until,
                              metric_type=metric_type, metrics=["reach"])  # fmt: skip
        kept = conn.read("AccountInsights", account=account, since=frame["end_time"].min(),
                         until=until, metric_type=metric_type, metrics=["reach"])  # fmt: skip
    first_end = frame["end_time"].min().tz_convert("America/Los_Angeles")
    first = (first_end - pd.Timedelta(days=1)).date().isoformat()  # the day ending then
    assert frame["end_time"].min() <= retention_start()
    assert len([w for w in caught if issubclass(w.category, RetentionWarning)]) == 1
    assert first in str(caught[0].message)
    assert len(frame) > 50
    pd.testing.assert_frame_equal(frame, kept, check_like=True)


# -- item 9: token lifetimes as Meta's (Facebook Login) ----------------------------------------


def test_codes_and_tokens_live_as_long_as_at_meta(clean_sandbox: Sandbox) -> None:
    app = clean_sandbox.oauth_app
    oauth = clean_sandbox.app.oauth
    url = f"{clean_sandbox.url}/v25.0/oauth/access_token"
    client = {"client_id": app.app_id, "client_secret": app.app_secret}
    redirect = "http://localhost:8123/callback"

    def exchange(**params: str) -> requests.Response:
        return requests.get(url, params={**client, **params}, timeout=10)

    code = oauth.issue_code(redirect, ("instagram_basic",))
    short = exchange(code=code, redirect_uri=redirect)
    assert short.json()["expires_in"] == 3600  # short-lived: about an hour
    again = exchange(code=code, redirect_uri=redirect).json()["error"]
    assert (again["code"], again["error_subcode"]) == (100, 36009)  # single use
    stale = oauth.issue_code(redirect, ("instagram_basic",))
    real_clock = app.clock
    app.clock = lambda: real_clock() + 601  # ten minutes and a second later
    try:
        late = exchange(code=stale, redirect_uri=redirect).json()["error"]
    finally:
        app.clock = real_clock
    assert (late["code"], late["error_subcode"]) == (100, 36007)
    long = exchange(grant_type="fb_exchange_token", fb_exchange_token=short.json()["access_token"])
    assert long.json()["expires_in"] == 60 * 86400
    # Facebook Login has no 24 h rule: a fresh long-lived token is re-exchanged at once
    fresh = long.json()["access_token"]
    renewed = exchange(grant_type="fb_exchange_token", fb_exchange_token=fresh)
    assert renewed.json()["expires_in"] == 60 * 86400
    dead = clean_sandbox.issue_token(lifetime=-1)
    refused = exchange(grant_type="fb_exchange_token", fb_exchange_token=dead).json()["error"]
    assert refused["code"] == 190
