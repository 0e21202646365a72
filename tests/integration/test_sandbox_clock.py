"""A frozen sandbox stands at its seeding time: its data, its ``Date`` header (over loopback and
mounted alike) and the client's default ranges all follow that one clock."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pandas as pd
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


def test_the_default_range_ends_at_the_api_clock(frozen: Sandbox) -> None:
    with sandbox_connection(frozen, cache=False) as conn:
        conn.client.get("me", {"fields": "id"})
        assert conn.client.server_now() == NOW
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # metrics an account is too small for warn
            days = conn.read("AccountInsights", account=frozen.account_ids[0], progress=False)
    # the newest day over by the sandbox's clock: the Pacific day that ended 23:59:59 ago
    assert days["end_time"].max() == pd.Timestamp(NOW + timedelta(seconds=1) - timedelta(days=1))
    assert len(days) == 30
