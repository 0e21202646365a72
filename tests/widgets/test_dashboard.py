"""Dashboard: daily account insights over a range, best media of the range, redrawn on a
control change, several accounts side by side."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest

import instapd
from instapd.errors import UsageError
from instapd.sandbox import Sandbox
from instapd.widgets.dashboard import Dashboard
from instapd.widgets.dashboard_data import best_media, daily
from tests.support import sandbox_connection


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=2, media_per_account=(30, 12)) as server:
        yield server


@pytest.fixture
def connection(box: Sandbox) -> instapd.Connection:
    return sandbox_connection(box)


def _range(box: Sandbox) -> tuple[pd.Timestamp, pd.Timestamp]:
    until = (box.now - timedelta(days=3)).date()
    return until - timedelta(days=13), until


def test_daily_values_are_the_account_insights_of_each_day(
    connection: instapd.Connection, box: Sandbox
) -> None:
    since, until = _range(box)
    account = box.account_ids[0]
    days = daily(connection, account, since, until, ("reach", "views"))
    assert list(days["day"]) == [since + timedelta(days=i) for i in range(14)]
    raw = connection.read("AccountInsights", account=account, since=since,
                          until=until + timedelta(days=2), metrics=["reach", "views"],
                          metric_type="total_value")  # fmt: skip
    ends = raw["end_time"].dt.tz_convert("America/Los_Angeles")
    first = raw[(ends - timedelta(days=1)).dt.date == since]
    assert days.loc[0, "reach"] == first["reach"].item()
    assert days.loc[0, "views"] == first["views"].item()


def test_best_media_are_the_range_s_highest(connection: instapd.Connection, box: Sandbox) -> None:
    since, until = _range(box)
    best = best_media(connection, box.account_ids[0], since - timedelta(days=30), until, "reach")
    values = list(best["reach"].dropna())
    assert values
    assert values == sorted(values, reverse=True)
    stamps = pd.to_datetime(best["timestamp"], utc=True).dt.date
    assert all(since - timedelta(days=30) <= d <= until + timedelta(days=1) for d in stamps)


def test_a_control_change_redraws(connection: instapd.Connection, box: Sandbox) -> None:
    since, until = _range(box)
    board = Dashboard(
        account=box.account_ids[0], connection=connection, since=since, until=until
    ).wait()
    account = box.account_ids[0]
    assert list(board.daily[account].columns) == ["day", "reach", "views", "likes"]
    first_png = board.pngs[account]
    board.metrics_box.value = ("shares",)
    board.wait()
    assert list(board.daily[account].columns) == ["day", "shares"]
    assert board.pngs[account] != first_png
    board.since_box.value = until - timedelta(days=6)
    board.wait()
    assert len(board.daily[account]) == 7
    board.until_box.value = since - timedelta(days=1)  # ends before it starts
    board.wait()
    assert "swap them" in board.status.value


def test_several_accounts_side_by_side(connection: instapd.Connection, box: Sandbox) -> None:
    since, until = _range(box)
    board = Dashboard(account="all", connection=connection, since=since, until=until).wait()
    assert set(board.panels) == set(box.account_ids)
    for account in box.account_ids:
        username = box.dataset[account].values["username"]
        assert f"@{username}" in board.panels[account].value
        assert "data:image/png;base64," in board.panels[account].value
    html = board.static_html()
    assert html.count("data:image/png;base64,") == len(box.account_ids)


def test_a_too_long_range_is_refused_before_reading(connection: instapd.Connection) -> None:
    today = pd.Timestamp.now().date()
    with pytest.raises(UsageError, match="at most 90 days"):
        Dashboard(
            account="all", connection=connection, since=today - timedelta(days=200), until=today
        )
