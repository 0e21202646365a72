"""BestTime: online followers by weekday x hour in the account's zone, engagement by posting
hour, the three best slots in words; read from the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import instapd
from instapd.errors import AccountError, UsageError
from instapd.sandbox import Sandbox
from instapd.widgets.besttime import BestTime
from instapd.widgets.besttime_data import (
    best_slots,
    engagement_by_hour,
    online_grid,
    zone,
)
from tests.support import sandbox_connection


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(30,)) as server:
        yield server


@pytest.fixture
def connection(box: Sandbox) -> instapd.Connection:
    return sandbox_connection(box)


def test_each_count_lands_on_its_local_weekday_and_hour(connection: instapd.Connection) -> None:
    online = connection.read("OnlineFollowers")
    berlin = ZoneInfo("Europe/Berlin")
    row = online.iloc[30]  # the second day, hour 6 (US-Pacific)
    day = row["end_time"].tz_convert("America/Los_Angeles") - timedelta(days=1)
    moment = day.normalize() + timedelta(hours=int(row["hour"]))
    local = moment.tz_convert(berlin)
    same_cell = []
    for _, other in online.iterrows():
        d = other["end_time"].tz_convert("America/Los_Angeles") - timedelta(days=1)
        m = (d.normalize() + timedelta(hours=int(other["hour"]))).tz_convert(berlin)
        if (m.weekday(), m.hour) == (local.weekday(), local.hour):
            same_cell.append(other["value"])
    grid = online_grid(online, berlin)
    assert grid.shape == (7, 24)
    assert grid.loc[local.weekday(), local.hour] == pytest.approx(np.mean(same_cell))


def test_another_zone_moves_cells_across_hours_and_weekdays(
    connection: instapd.Connection,
) -> None:
    online = connection.read("OnlineFollowers")
    utc = online_grid(online, ZoneInfo("UTC")).to_numpy().ravel()  # Monday 00:00 first
    tokyo = online_grid(online, ZoneInfo("Asia/Tokyo")).to_numpy().ravel()
    assert np.allclose(np.roll(utc, 9), tokyo, equal_nan=True)  # 9 hours later, wrapping days


def test_the_best_slots_are_the_highest_cells_in_words(connection: instapd.Connection) -> None:
    grid = online_grid(connection.read("OnlineFollowers"), ZoneInfo("Europe/Berlin"))
    slots = best_slots(grid)
    top = sorted(grid.stack().dropna(), reverse=True)[:3]
    assert [s.online for s in slots] == top
    weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    words = slots[0].words("Europe/Berlin")
    assert words.startswith(f"{weekday[slots[0].weekday]}s {slots[0].hour:02d}:00-")
    assert "(Europe/Berlin)" in words


def test_engagement_is_averaged_per_posting_hour(connection: instapd.Connection) -> None:
    media = connection.read("Media")
    table = engagement_by_hour(media, ZoneInfo("UTC"))
    assert table["posts"].sum() == len(media)
    hour = int(table["posts"].idxmax())
    posted = media[pd.to_datetime(media["timestamp"], utc=True).dt.hour == hour]
    expected = (posted["like_count"].fillna(0) + posted["comments_count"].fillna(0)).mean()
    assert table.loc[hour, "engagement"] == pytest.approx(float(expected))


def test_the_widget_redraws_for_a_zone_and_refuses_a_bad_one(
    connection: instapd.Connection,
) -> None:
    widget = BestTime(connection=connection, tz="Europe/Berlin").wait()
    berlin = list(widget.slots)
    assert len(berlin) == 3
    assert "Europe/Berlin" in widget.words.value
    assert widget.chart.value.startswith('<img src="data:image/png;base64,')
    widget.zone_box.value = "Asia/Tokyo"
    assert [(s.hour - b.hour) % 24 for s, b in zip(widget.slots, berlin, strict=True)] == [8] * 3
    widget.zone_box.value = "Mars/Olympus"
    assert "not a time zone name" in widget.words.value
    data = widget._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert "data:image/png;base64," in data["text/html"]
    assert "Best times to post" in data["text/html"]


def test_a_bad_zone_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="IANA name"):
        zone("Nowhere/Atlantis")


def _local_zone_under(tz: str) -> subprocess.CompletedProcess[str]:
    code = "from instapd.widgets.besttime_data import zone, zone_name; print(zone_name(zone(None)))"
    env = {**os.environ, "TZ": tz}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/Sao_Paulo"])
def test_the_default_zone_is_the_users_iana_zone(tz: str) -> None:
    result = _local_zone_under(tz)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, tz, "")


def test_a_tz_that_names_no_zone_falls_back_quietly_to_the_systems() -> None:
    system = _local_zone_under("")  # empty TZ: the system's zone (/etc/localtime), else UTC
    result = _local_zone_under("Nowhere/Atlantis")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == system.stdout.strip() != ""


def test_without_tzlocal_the_zone_is_utc_whatever_tz_says() -> None:
    # tzlocal falls back to the system's zone by itself for any TZ it cannot read (above), so
    # its failure branch is met where it is missing: the widgets extra not fully installed, as
    # a fresh CI venv once was. ``sys.modules[name] = None`` is Python's documented way to make
    # an import fail (ModuleNotFoundError); tzlocal itself is not touched.
    code = (
        "import sys, warnings; sys.modules['tzlocal'] = None; warnings.simplefilter('error')\n"
        "from instapd.widgets.besttime_data import zone, zone_name; print(zone_name(zone(None)))"
    )
    env = {**os.environ, "TZ": "Asia/Tokyo"}  # what tzlocal would have found
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "UTC", "")


def test_tz_wins_over_the_users_zone_and_the_default_connection_is_used(
    connection: instapd.Connection,
) -> None:
    instapd.set_default_connection(connection)
    try:
        widget = BestTime(tz="Asia/Tokyo")
        assert widget.connection is connection
        assert widget.zone_box.value == "Asia/Tokyo"
        assert widget.wait().account_id == connection.resolve_accounts(None)[0]
    finally:
        instapd.set_default_connection(None)


def test_a_positional_connection_still_works_with_a_future_warning(
    connection: instapd.Connection,
) -> None:
    with pytest.warns(FutureWarning, match=r"BestTime\(account=\.\.\., connection=\.\.\.\)"):
        widget = BestTime(connection, tz="UTC")
    assert widget.connection is connection
    assert len(widget.wait().slots) == 3


def test_the_constructor_reads_nothing_a_bad_account_is_told_by_the_first_read(
    connection: instapd.Connection,
) -> None:
    widget = BestTime(account="no.such.account", connection=connection, tz="UTC")
    assert widget.account_id is None
    with pytest.raises(AccountError, match=r"no\.such\.account"):
        widget.wait()
    assert "Could not read" in widget.chart.value


def test_a_history_longer_than_30_days_is_drawn_each_day_once_as_the_newest_saw_it(
    connection: instapd.Connection,
) -> None:
    live = connection.read("OnlineFollowers", progress=False)
    first, second = pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2026-01-02", tz="UTC")
    older = live.assign(end_time=live["end_time"] - pd.Timedelta(days=35), snapshot_at=first)
    stale = live.assign(value=live["value"] + 1000, snapshot_at=first)  # a day kept twice
    history = pd.concat([older, stale, live.assign(snapshot_at=second)], ignore_index=True)

    widget = BestTime(connection=connection, tz="UTC", online=history).wait()

    assert widget.error is None
    assert len(widget.online) == 2 * len(live), "each (day, hour) once"
    assert widget.online["end_time"].dt.normalize().nunique() > 30
    newest = widget.online[widget.online["end_time"] >= live["end_time"].min()]
    assert newest["value"].tolist() == live.sort_values(["end_time", "hour"])["value"].tolist()
    expected = online_grid(pd.concat([older, live]), ZoneInfo("UTC"))
    pd.testing.assert_frame_equal(widget.grid, expected)


def test_online_that_is_no_online_followers_frame_is_refused_at_once(
    connection: instapd.Connection,
) -> None:
    with pytest.raises(UsageError, match=r"lacks end_time, hour.*history\('OnlineFollowers'"):
        BestTime(connection=connection, online=pd.DataFrame({"value": [1]}))
