"""A frozen sandbox stands at its seeding time: its data and its ``Date`` header (over loopback
and mounted alike) follow that one clock, and the client reads the time from that header."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from instapd.sandbox import Sandbox

from ..support import in_process, sandbox_connection

#: A second before a Pacific midnight, months away from this machine's clock.
NOW = datetime(2026, 6, 1, 6, 59, 59, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[Sandbox]:
    with Sandbox(seed=5, accounts=2, media_per_account=(4, 3), now=NOW, frozen=True) as box:
        yield box


def _date(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.headers["Date"])


def test_a_frozen_clock_moves_only_when_advanced(frozen: Sandbox) -> None:
    assert frozen.now == NOW
    frozen.advance(hours=2)
    assert frozen.now == NOW + timedelta(hours=2)
    assert frozen.publishing.now() == (NOW + timedelta(hours=2)).timestamp()


def test_loopback_and_the_mounted_app_send_one_date_on_the_sandbox_clock(frozen: Sandbox) -> None:
    frozen.advance(days=3)
    expected = format_datetime(frozen.now, usegmt=True)
    auth = {"Authorization": f"Bearer {frozen.token}"}
    url = f"{frozen.url}/v25.0/me"
    assert _date(requests.get(url, headers=auth, timeout=10)) == expected
    assert _date(in_process(frozen).get(url, headers=auth, timeout=10)) == expected


def test_the_client_hears_the_sandbox_clock_over_the_mounted_transport(frozen: Sandbox) -> None:
    """The lost-write lookups take "now" from the API's Date: in process too, not this machine's."""
    with sandbox_connection(frozen, cache=False) as conn:
        conn.client.get("me", {"fields": "id"})
        assert conn.client.server_now() == NOW


def test_followers_online_repeat_weekly_so_a_best_time_view_keeps_still(frozen: Sandbox) -> None:
    """The days read move with the calendar; what each weekday and hour shows does not."""
    with sandbox_connection(frozen, cache=False) as conn:
        weeks = [
            conn.read(
                "OnlineFollowers",
                account=frozen.account_ids[0],
                progress=False,
                since=NOW - timedelta(days=7 * back + 7),
                until=NOW - timedelta(days=7 * back),
            )
            for back in (0, 2)
        ]
    by_slot = [
        week.assign(weekday=week["end_time"].dt.day_of_week).set_index(["weekday", "hour"])["value"]
        for week in weeks
    ]
    assert len(by_slot[0]) == 7 * 24
    assert by_slot[0].sort_index().equals(by_slot[1].sort_index())
    assert by_slot[0].nunique() > 24  # not one number: hours and weekdays differ
