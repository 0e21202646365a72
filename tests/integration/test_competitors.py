"""Competitors: snapshot(competitors=[...]) keeps Business Discovery over time, benchmark()
compares follower growth, engagement, cadence and format mix from that history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import instapd
from instapd.cli import main
from instapd.sandbox import Sandbox
from instapd.snapshots.competitors import MEDIA_DAYS
from tests.support import sandbox_connection

RIVALS = ["bluebottle", "nordic.roasters"]


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """A sandbox of its own: the tests move its clock."""
    with Sandbox(accounts=1, media_per_account=(3,)) as server:
        yield server


def _followers(box: Sandbox, username: str) -> int:
    user = box.dataset.find_user(username)
    assert user is not None
    return int(user.values["followers_count"])


def test_weekly_competitor_snapshots_benchmark_growth_cadence_and_mix(
    box: Sandbox, tmp_path: Path
) -> None:
    connection = sandbox_connection(box)
    seen: dict[str, list[int]] = {name: [] for name in RIVALS}
    starts = box.now
    for _ in range(3):
        summary = instapd.snapshot(["InstagramBusinessProfile"], connection=connection,
                                   location=tmp_path, at=box.now, competitors=RIVALS)  # fmt: skip
        for name in RIVALS:
            seen[name].append(_followers(box, name))
        box.advance(days=7)
    rivals = summary[summary["competitor"].notna()]
    assert sorted(rivals["table"].unique()) == ["BusinessDiscovery", "BusinessDiscoveryMedia"]
    assert (rivals["status"] == "written").all()
    assert set(rivals["competitor"]) == set(RIVALS)
    for name in RIVALS:
        assert seen[name][0] < seen[name][1] < seen[name][2], "the sandbox's followers grow"

    profiles = instapd.history("BusinessDiscovery", location=tmp_path)
    assert profiles["snapshot_at"].nunique() == 3
    assert profiles.groupby("username")["followers_count"].apply(list).to_dict() == seen

    last = box.now - timedelta(days=7)
    live = instapd.read_instagram("BusinessDiscoveryMedia", connection=connection,
                                  username=RIVALS[0], since=last - timedelta(days=MEDIA_DAYS),
                                  cache=False)  # fmt: skip
    table = instapd.benchmark([*RIVALS, "someone.else"], location=tmp_path)
    assert table["username"].tolist() == [*RIVALS, "someone.else"]
    assert table["status"].tolist() == ["ok", "ok", "no history"]
    assert table["follower_growth"].dtype == "Int64"
    assert table["posts_per_week"].dtype == "Float64"
    row = table.iloc[0]
    growth = seen[RIVALS[0]][2] - seen[RIVALS[0]][0]
    days = (profiles["snapshot_at"].max() - profiles["snapshot_at"].min()) / pd.Timedelta(days=1)
    assert row["days"] == pytest.approx(days)
    assert days == pytest.approx(14, abs=0.01), "the sandbox's clock ticks on between snapshots"
    assert row["snapshots"] == 3
    assert row["follower_growth"] == growth
    assert row["follower_growth_per_day"] == pytest.approx(growth / days)
    assert row["follower_growth_per_week"] == pytest.approx(growth / days * 7)

    user = box.dataset.find_user(RIVALS[0])
    assert user is not None
    window = starts - timedelta(days=MEDIA_DAYS)
    posts = [box.dataset[m].values for m in user.edges["media"]]
    posts = [p for p in posts if window <= p["timestamp"] <= last]
    assert row["posts"] == len(posts) > 0
    assert row["posts_per_week"] == pytest.approx(len(posts) / ((MEDIA_DAYS + days) / 7))
    kinds = ["REELS" if p.get("media_product_type") == "REELS" else p["media_type"] for p in posts]
    for kind in ("IMAGE", "VIDEO", "REELS", "CAROUSEL_ALBUM"):
        assert row[f"share_{kind.lower()}"] == pytest.approx(kinds.count(kind) / len(kinds))
    engaged = live["like_count"].fillna(0) + live["comments_count"].fillna(0)
    assert row["engagement_per_follower"] == pytest.approx((engaged / seen[RIVALS[0]][2]).mean())


def test_a_username_discovery_cannot_see_is_named_and_the_rest_kept(
    box: Sandbox, tmp_path: Path
) -> None:
    connection = sandbox_connection(box)
    for _ in range(2):
        summary = instapd.snapshot(["InstagramBusinessProfile"], connection=connection,
                                   location=tmp_path, at=box.now,
                                   competitors=["bluebottle", "@No_Such.Shop"])  # fmt: skip
        box.advance(days=1)
    refused = summary[summary["competitor"] == "no_such.shop"]
    assert (refused["status"] == "error").all()
    assert len(refused) == 2
    assert refused["error"].str.contains("cannot see @no_such.shop").all()
    table = instapd.benchmark(["bluebottle", "no_such.shop"], location=tmp_path)
    assert table["status"].tolist() == ["ok", "not visible"]
    for minutes in (0, 10):  # ten minutes apart
        again = instapd.snapshot(["InstagramBusinessProfile"], connection=connection,
                                 location=tmp_path / "day", competitors=["bluebottle"],
                                 at=box.now + timedelta(minutes=minutes))  # fmt: skip
        assert (again["status"] == "written").all()
    twice = instapd.benchmark(["bluebottle"], location=tmp_path / "day")
    assert twice["status"].tolist() == ["one snapshot"], "minutes apart: no growth rate"
    assert twice["snapshots"].tolist() == [2]
    assert pd.isna(twice["follower_growth_per_day"].iloc[0])
    assert "cannot see @no_such.shop" in table["error"].iloc[1]
    assert pd.isna(table["follower_growth"].iloc[1])


def test_no_competitor_history_names_the_snapshot_call(tmp_path: Path) -> None:
    with pytest.raises(instapd.NoSnapshotsError, match=r"snapshot\(competitors=\['bluebottle'\]\)"):
        instapd.benchmark(["bluebottle"], location=tmp_path)


def test_bad_usernames_are_refused_before_any_read(box: Sandbox, tmp_path: Path) -> None:
    connection = sandbox_connection(box)
    served = box.requests_served
    for bad in (["a b"], [3], "x" * 31, {"bluebottle": 1}):
        with pytest.raises(instapd.UsageError, match="competitors= takes Instagram usernames"):
            instapd.snapshot(["Media"], connection=connection, location=tmp_path,
                             competitors=bad)  # fmt: skip
    assert box.requests_served == served
    assert not list(tmp_path.iterdir())
    instagram_login = instapd.connect(Sandbox=True, AuthScheme="InstagramLogin")
    with pytest.raises(instapd.AuthSchemeError, match="BusinessDiscovery"):
        instapd.snapshot(["Media"], connection=instagram_login, location=tmp_path,
                         competitors=["bluebottle"])  # fmt: skip
    assert not list(tmp_path.iterdir()), "refused before any read"
    with pytest.raises(instapd.UsageError, match="one or more usernames"):
        instapd.benchmark([], location=tmp_path)


def test_cli_snapshot_competitor_is_repeatable_and_a_resumed_run_keeps_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "ds")
    base = ["snapshot", "--sandbox", "--out", out, "--tables", "InstagramBusinessProfile"]
    code = main([*base, "--competitor", "bluebottle", "--competitor", "nobody_here"])
    printed = capsys.readouterr()
    assert code == 1, "a competitor not seen is a failure a scheduler sees"
    assert "error: BusinessDiscovery of @nobody_here: Business Discovery cannot see" in printed.err
    assert "SBX" not in printed.out + printed.err
    profiles = instapd.history("BusinessDiscovery", location=out)
    assert profiles["username"].tolist() == ["bluebottle"]
    media = instapd.history("BusinessDiscoveryMedia", location=out)
    assert set(media["owner_username"]) == {"bluebottle"}
    assert len(media) > 0
    run = profiles["snapshot_at"].iloc[0]
    connection = instapd.connect(sandbox=True)
    summary = instapd.snapshot(["InstagramBusinessProfile"], connection=connection, location=out,
                               competitors=["bluebottle", "nobody_here"],
                               run=_run_id(out))  # fmt: skip
    rivals = summary[summary["competitor"].notna()].set_index(["table", "competitor"])
    assert rivals.loc[("BusinessDiscovery", "bluebottle"), "status"] == "kept"
    assert "cannot see" in rivals.loc[("BusinessDiscovery", "nobody_here"), "error"]
    again = instapd.history("BusinessDiscovery", location=out)
    assert again["snapshot_at"].tolist() == [run], "kept, not written twice"


def _run_id(out: str) -> str:
    return next((Path(out) / "_runs").glob("*.json")).stem


def test_a_competitors_recent_posts_are_read_without_paging_through_the_old_ones(
    box: Sandbox,
) -> None:
    connection = sandbox_connection(box, page_size=5, cache=False)
    account, name = box.account_ids[0], RIVALS[0]
    every = connection.read("BusinessDiscoveryMedia", account=account, username=name)
    since = box.now - timedelta(days=MEDIA_DAYS)
    before = box.requests_served
    recent = connection.read("BusinessDiscoveryMedia", account=account, username=name, since=since)
    pages = box.requests_served - before
    assert sorted(recent["id"]) == sorted(every.loc[every["timestamp"] >= since, "id"])
    assert 0 < len(recent) < len(every)
    assert pages == len(recent) // 5 + 1, "only the range's pages, not all the posts'"
