"""Snapshots: the dataset's layout and modes, history typed as reads, growth, resumption, DuckDB."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import instapd
from instapd.cli import main
from instapd.sandbox import Faults, Sandbox
from instapd.snapshots import DEFAULT_TABLES, SnapshotDataset, compact
from instapd.snapshots.dataset import file_meta
from instapd.snapshots.snapshot import to_arrow
from tests.support import sandbox_connection

LAYOUT = re.compile(
    r"table=(\w+)/date=(\d{4}-\d{2}-\d{2})/(\d{8}T\d{6}Z-[0-9a-f]{8})-[0-9a-f]{8}\.parquet"
)


@pytest.fixture
def agency() -> Iterator[Sandbox]:
    """A sandbox of its own (tests move its clock): four accounts with three posts each."""
    with Sandbox(accounts=4, media_per_account=(3,)) as server:
        yield server


@pytest.fixture
def conn(agency: Sandbox) -> Iterator[instapd.Connection]:
    with sandbox_connection(agency, cache=False) as connection:
        yield connection


def _data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.parquet"))


def test_sandbox_seeds_n_accounts(agency: Sandbox, conn: instapd.Connection) -> None:
    assert len(agency.account_ids) == 4
    profiles = conn.read("InstagramBusinessProfile", account="all")
    assert len(profiles) == 4
    assert (profiles["media_count"] == 3).all()


def test_snapshot_layout_private_modes_and_typed_history(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    out = tmp_path / "history"
    summary = instapd.snapshot(connection=conn, location=out)
    assert sorted(summary["table"].unique()) == sorted(DEFAULT_TABLES)
    assert len(summary) == len(DEFAULT_TABLES) * 4
    assert (summary["status"] == "written").all()
    run = summary["run"].iloc[0]
    for path in summary["path"]:
        relative = Path(path).relative_to(out).as_posix()
        match = LAYOUT.fullmatch(relative)
        assert match is not None, relative
        assert match[3] == run
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
        for folder in Path(path).relative_to(out).parents:
            if str(folder) != ".":
                assert stat.S_IMODE((out / folder).stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert not list(out.rglob("*.tmp"))
    per_table = summary.groupby("table")["path"].nunique()
    assert (per_table == 1).all(), "one file per table for the four accounts read together"
    assert len(_data_files(out)) == len(DEFAULT_TABLES)

    for table in DEFAULT_TABLES:
        back = instapd.history(table, location=out)
        recent = {"since": pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=2)}
        read = conn.read(table, account="all", **(recent if table == "AccountInsights" else {}))
        assert list(back.columns) == [*read.columns, "snapshot_at"], table
        assert dict(back.dtypes.drop("snapshot_at")) == dict(read.dtypes), table
        assert str(back["snapshot_at"].dtype) == "datetime64[us, UTC]"
        expected = summary.loc[summary["table"] == table, "rows"].sum()
        assert len(back) == expected, table
        assert back.attrs["instapd"]["source"] == "history"
    none = instapd.history("Media", location=out, until="2000-01-01")  # there, but none match
    assert none.empty
    assert str(none["snapshot_at"].dtype) == "datetime64[us, UTC]"


def test_stories_are_kept_after_they_expire_and_media_grow(
    agency: Sandbox, conn: instapd.Connection, tmp_path: Path
) -> None:
    account = agency.account_ids[0]
    post = agency.publish(account)
    first = instapd.snapshot(["Stories", "MediaInsights"], connection=conn, at=agency.now)
    stories_before = set(conn.read("Stories", account=account)["id"])
    assert stories_before
    agency.advance(hours=30)
    second = instapd.snapshot(["Stories", "MediaInsights"], connection=conn, at=agency.now)
    assert first["run"].iloc[0] != second["run"].iloc[0]
    assert conn.read("Stories", account=account).empty, "Instagram forgot them"

    stories = instapd.history("Stories", account=account)
    assert set(stories["id"]) == stories_before, "the snapshot kept them"
    insights = instapd.history("MediaInsights", account=[account])
    assert insights["snapshot_at"].nunique() == 2
    grown = insights.ig.growth("reach")
    assert list(grown.index) == [0, 30]
    assert grown.loc[30, post] > 5 * grown.loc[0, post]
    latest = instapd.history("MediaInsights", since=agency.now - pd.Timedelta(hours=1))
    assert latest["snapshot_at"].nunique() == 1
    earliest = instapd.history("MediaInsights", until=agency.now - pd.Timedelta(hours=1))
    assert len(earliest) + len(latest) == len(instapd.history("MediaInsights"))


def test_a_new_metric_column_is_unioned_by_name(conn: instapd.Connection, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "ds"
    summary = instapd.snapshot(["MediaInsights"], connection=conn, location=out)
    account = summary["account"].iloc[0]
    old = instapd.history("MediaInsights", location=out, account=account)
    newer = old.drop(columns=["snapshot_at"]).assign(brand_new_metric=pd.array([7] * len(old)))
    when = pd.Timestamp("2030-01-02T03:04:05Z").to_pydatetime()
    dataset = SnapshotDataset(out)
    run = "20300102T030405Z-0000beef"
    path = dataset.group_path("MediaInsights", "2030-01-02", run, [account])
    dataset.write(path, to_arrow(newer, when), {"rows": len(newer)})

    back = instapd.history("MediaInsights", location=out)
    assert "brand_new_metric" in back.columns
    assert back["brand_new_metric"].isna().sum() == summary["rows"].sum()
    assert back["brand_new_metric"].dtype == "Int64", "gaps from older snapshots keep it integer"
    assert (back.loc[back["snapshot_at"] == when, "brand_new_metric"] == 7).all()

    glob = f"{out}/table=MediaInsights/**/*.parquet"
    rows = duckdb.sql(
        f"SELECT business_account_id, count(*) AS n, count(brand_new_metric) AS new FROM "
        f"read_parquet('{glob}', hive_partitioning=true, union_by_name=true) GROUP BY ALL"
    ).df()
    assert rows["n"].sum() == len(back)
    assert rows["new"].sum() == len(newer)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple[object, ...]]:
    """Rows as plain tuples (NA as None), sorted, to compare what two engines read."""
    plain = frame[columns].astype(object).where(frame[columns].notna(), None)
    return sorted(plain.itertuples(index=False, name=None), key=repr)


def test_polars_reads_the_dataset_in_place_unioned_by_name(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    pl = pytest.importorskip("polars")
    summary = instapd.snapshot(["MediaInsights"], connection=conn, location=tmp_path)
    account = summary["account"].iloc[0]
    old = instapd.history("MediaInsights", location=tmp_path, account=account)
    newer = old.drop(columns=["snapshot_at"]).assign(brand_new_metric=pd.array([7] * len(old)))
    dataset = SnapshotDataset(tmp_path)
    path = dataset.group_path("MediaInsights", "2030-01-02", "20300102T030405Z-0000beef", [account])
    dataset.write(path, to_arrow(newer, pd.Timestamp("2030-01-02T03:04:05Z")), {"rows": len(newer)})

    # as the README says: Polars takes the first file's columns unless given the union of all
    files = sorted((tmp_path / "table=MediaInsights").rglob("*.parquet"))
    union: dict[str, object] = {}
    for file in files:
        union.update(pl.read_parquet_schema(file))
    scanned = pl.scan_parquet(
        f"{tmp_path}/table=MediaInsights/**/*.parquet",
        hive_partitioning=True,
        hive_schema={"table": pl.String, "date": pl.Date},
        schema=union,
        missing_columns="insert",  # older files lack brand_new_metric: nulls
    )
    read = scanned.collect().to_pandas()
    history = instapd.history("MediaInsights", location=tmp_path)
    assert len(read) == len(history) == summary["rows"].sum() + len(newer)
    assert read["brand_new_metric"].notna().sum() == len(newer)
    assert set(read["business_account_id"]) == set(summary["account"])
    assert _records(read, list(history.columns)) == _records(history, list(history.columns))


def test_duckdb_reads_the_dataset_in_place(conn: instapd.Connection, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    summary = instapd.snapshot(connection=conn, location=tmp_path)
    counted = duckdb.sql(
        f'SELECT "table", business_account_id AS account, date, count(*) AS n FROM read_parquet('
        f"'{tmp_path}/**/*.parquet', hive_partitioning=true, union_by_name=true) GROUP BY ALL"
    ).df()
    expected = summary.groupby(["table", "account"])["rows"].sum()
    assert counted["account"].map(type).eq(str).all(), "ids stay text"
    got = counted.groupby(["table", "account"])["n"].sum()
    assert got.to_dict() == {k: v for k, v in expected.to_dict().items() if v}
    assert set(counted["date"].astype(str)) == {pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d")}


def test_compaction_merges_without_losing_or_doubling_rows(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    for _ in range(3):
        instapd.snapshot(["Media", "Stories"], connection=conn, location=tmp_path, resume=False)
    before = instapd.history("Media", location=tmp_path)
    files = _data_files(tmp_path)
    assert len(files) == 3 * 2, "a file per run and table for the four accounts"
    saved = {path: path.read_bytes() for path in files}

    merged = compact(tmp_path)
    assert len(merged) == 2
    assert (merged["files"] == 3).all()
    assert merged["account"].isna().all(), "each file holds every account"
    assert len(_data_files(tmp_path)) == 2
    after = instapd.history("Media", location=tmp_path)
    key = ["snapshot_at", "id"]
    pd.testing.assert_frame_equal(
        after.sort_values(key).reset_index(drop=True),
        before.sort_values(key).reset_index(drop=True),
    )
    assert compact(tmp_path).empty, "nothing left to merge"

    # a compaction killed between the rename and the removals: the next one finishes it
    leftover = next(p for p in saved if "table=Media" in str(p))
    leftover.write_bytes(saved[leftover])
    assert len(instapd.history("Media", location=tmp_path)) > len(after)
    compact(tmp_path)
    assert not leftover.exists()
    assert len(instapd.history("Media", location=tmp_path)) == len(after)


def test_a_killed_run_goes_on_where_it_stopped_with_no_duplicates(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    accounts, tables = 120, len(DEFAULT_TABLES)  # three groups read together: 50, 50 and 20
    groups = 3
    with Sandbox(accounts=accounts, media_per_account=(2,), faults=Faults(latency=0.01)) as server:
        env = {**os.environ, "INSTAPD_GRAPH_URL": server.url, "INSTAPD_ACCESS_TOKEN": server.token}
        child = subprocess.Popen(
            [sys.executable, "-m", "instapd", "snapshot", "--out", str(out), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while len(_data_files(out)) < 4:  # some of the way
                assert child.poll() is None, child.stderr.read() if child.stderr else ""
                assert time.monotonic() < deadline, "the snapshot never got going"
                time.sleep(0.02)
            child.send_signal(signal.SIGKILL)
        finally:
            child.wait()
        written_before = _data_files(out)
        assert 4 <= len(written_before) < groups * tables, "killed mid-run"
        pairs_before = sum(len(file_meta(f)["accounts"]) for f in written_before)
        (pending,) = (out / "_runs").glob("*.json")
        assert json.loads(pending.read_text())["done"] is False

        with instapd.connect(graph_url=server.url, access_token=server.token) as conn:
            summary = instapd.snapshot(connection=conn, location=out)
            assert summary["run"].unique().tolist() == [pending.stem], "the same run goes on"
            assert (summary["status"] == "kept").sum() == pairs_before
            assert (summary["status"] == "written").sum() == accounts * tables - pairs_before
            assert (summary["status"] != "error").all()
            assert json.loads(pending.read_text())["done"] is True

            files = _data_files(out)
            assert len(files) == groups * tables, "one file per table and group"
            assert {f.stem.rsplit("-", 1)[0] for f in files} == {pending.stem}
            for table in ("Media", "InstagramBusinessProfile"):
                back = instapd.history(table, location=out)
                assert not back.duplicated(subset=["id", "snapshot_at"]).any()
            assert len(instapd.history("InstagramBusinessProfile", location=out)) == accounts

            again = instapd.snapshot(["Media"], account=[server.account_ids[0]],
                                     connection=conn, location=out)  # fmt: skip
            assert again["run"].iloc[0] != pending.stem, "a finished run is not resumed"


def test_cli_snapshot_and_compact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "ds")
    base = ["snapshot", "--sandbox", "--out", out, "--accounts", "brewlab.coffee"]
    assert main([*base, "--tables", "Media,Stories", "--new-run"]) == 0
    assert main([*base, "--tables", "Media", "Stories", "--new-run"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"run \d{8}T\d{6}Z-[0-9a-f]{8}: \d+ rows, 2 files written, 0 kept", printed)
    assert "SBX" not in printed
    assert main(["snapshot", "compact", "--out", out]) == 0
    assert "merged 4 files into 2" in capsys.readouterr().out
    assert len(instapd.history("Media", location=out)) == 2 * 160


def test_bad_inputs_name_the_fix(conn: instapd.Connection, tmp_path: Path) -> None:
    with pytest.raises(instapd.UsageError, match="not read per account"):
        instapd.snapshot(["Pages"], connection=conn, location=tmp_path)
    with pytest.raises(instapd.UnknownTableError):
        instapd.snapshot(["NoSuchTable"], connection=conn, location=tmp_path)
    with pytest.raises(instapd.UsageError, match="run id such as"):
        instapd.snapshot(connection=conn, location=tmp_path, run="../../etc")
    with pytest.raises(instapd.UsageError, match="workers="):
        instapd.snapshot(connection=conn, location=tmp_path, workers=0)
    with pytest.raises(instapd.AccountError, match="Graph id"):
        instapd.history("Media", location=tmp_path, account="../1")
    with pytest.raises(AttributeError, match=r"instapd\.history"):
        conn.read("MediaInsights", account="all").ig.growth()
    with pytest.raises(instapd.NoSnapshotsError, match=r'instapd\.snapshot\(\["Media"\]\)'):
        instapd.history("Media", location=tmp_path / "nothing")  # never snapshotted: say how


def test_a_refused_table_is_reported_and_a_named_run_retries_it(
    agency: Sandbox, tmp_path: Path
) -> None:
    scopes = ("instagram_basic", "pages_show_list", "pages_read_engagement")
    account = agency.account_ids[0]
    tables = ["Media", "MediaInsights"]
    with instapd.connect(graph_url=agency.url, access_token=agency.issue_token(scopes)) as narrow:
        summary = instapd.snapshot(tables, account=account, connection=narrow, location=tmp_path)
    status = dict(zip(summary["table"], summary["status"], strict=True))
    assert status == {"Media": "written", "MediaInsights": "error"}
    assert "instagram_manage_insights" in summary.set_index("table").loc["MediaInsights", "error"]
    run = summary["run"].iloc[0]

    with instapd.connect(graph_url=agency.url, access_token=agency.token) as full:
        again = instapd.snapshot(tables, account=account, connection=full, location=tmp_path)
        assert again["run"].iloc[0] != run, "a finished run is not resumed by itself"
        retried = instapd.snapshot(
            tables, account=account, connection=full, location=tmp_path, run=run
        )
    status = dict(zip(retried["table"], retried["status"], strict=True))
    assert status == {"Media": "kept", "MediaInsights": "written"}
    assert set(retried["run"]) == {run}
    insights = again.set_index("table").loc["MediaInsights", "rows"]
    assert len(instapd.history("MediaInsights", location=tmp_path)) == 2 * insights


def test_the_sandbox_clock_only_moves_forward(agency: Sandbox) -> None:
    before = agency.now
    agency.advance(days=1)
    assert agency.now - before >= pd.Timedelta(days=1)
    with pytest.raises(ValueError, match="forward"):
        agency.advance(hours=-1)


def test_history_reads_files_of_one_account_beside_group_files_and_never_a_torn_one(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    summary = instapd.snapshot(["Media"], connection=conn, location=tmp_path)
    group = Path(summary["path"].iloc[0])
    account = summary["account"].iloc[0]
    mine = instapd.history("Media", location=tmp_path, account=account)
    assert len(mine) == summary.set_index("account").loc[account, "rows"]
    # an earlier version's file (account= folder) is read beside the group's
    dataset = SnapshotDataset(tmp_path)
    old = dataset.path("Media", account, "2026-01-01", "20260101T000000Z-0000beef")
    when = pd.Timestamp("2026-01-01T00:00:00Z")
    dataset.write(old, to_arrow(mine.drop(columns=["snapshot_at"]), when), {"rows": len(mine)})
    both = instapd.history("Media", location=tmp_path, account=account)
    assert len(both) == 2 * len(mine)
    assert both["snapshot_at"].min() == when
    # a write killed before its rename leaves a temporary file, which no reader takes
    (group.parent / f".{group.name}-x1y2.tmp").write_bytes(group.read_bytes()[:100])
    assert len(instapd.history("Media", location=tmp_path)) == summary["rows"].sum() + len(mine)


def test_a_named_run_after_compaction_keeps_what_the_merged_file_holds(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    first = instapd.snapshot(["Media"], connection=conn, location=tmp_path, resume=False)
    instapd.snapshot(["Media"], connection=conn, location=tmp_path, resume=False)
    assert len(compact(tmp_path)) == 1
    (merged,) = _data_files(tmp_path)
    again = instapd.snapshot(
        ["Media"], connection=conn, location=tmp_path, run=first["run"].iloc[0]
    )
    assert set(again["status"]) == {"kept"}, "the merged file holds the run's accounts"
    assert again["rows"].tolist() == first["rows"].tolist()
    assert set(again["path"]) == {str(merged)}
    assert _data_files(tmp_path) == [merged], "nothing written twice"


def test_a_named_run_an_earlier_version_started_keeps_its_files_of_one_account(
    conn: instapd.Connection, agency: Sandbox, tmp_path: Path
) -> None:
    run = "20260101T000000Z-0000beef"
    done, todo = agency.account_ids[:2], agency.account_ids[2:]
    dataset = SnapshotDataset(tmp_path)
    when = pd.Timestamp("2026-01-01T00:00:00Z")
    for account in done:  # what a version before groups wrote, one file per account
        media = conn.read("Media", account=account)
        old = dataset.path("Media", account, "2026-01-01", run)
        dataset.write(old, to_arrow(media, when), {"rows": len(media)})
    again = instapd.snapshot(["Media"], connection=conn, location=tmp_path, run=run)
    status = again.set_index("account")["status"]
    assert status[done].tolist() == ["kept", "kept"]
    assert status[todo].tolist() == ["written", "written"]
    assert again.set_index("account").loc[done, "rows"].tolist() == [3, 3]


def test_a_snapshot_lets_four_batch_requests_per_worker_be_in_flight(
    conn: instapd.Connection, tmp_path: Path
) -> None:
    instapd.snapshot(["Media"], connection=conn, location=tmp_path, workers=3)
    assert conn.client.concurrency == 12, "a group's level of six requests waits for none"


def test_a_snapshot_starts_its_deepest_reads_first(
    agency: Sandbox, conn: instapd.Connection, tmp_path: Path
) -> None:
    tables = ["Media", "StoryInsights", "InstagramBusinessProfile", "Tags"]
    start = len(agency.app.log)
    instapd.snapshot(tables, connection=conn, location=tmp_path, workers=1)
    operations = [line for line in agency.app.log[start:] if line.startswith("BATCH ")]
    edges = [line.split("?")[0].rsplit("/", 1)[-1] for line in operations]
    firsts = list(dict.fromkeys(edges))  # each kind of operation, as it first came
    # StoryInsights (stories, then their insights: three levels with the grants), then Tags
    # (a page, then the empty one), then the one-level reads; one worker takes them in turn
    assert firsts[:3] == ["stories", "insights", "tags"], firsts
    assert firsts[3:] == ["media", *agency.account_ids], firsts  # the profiles: by id


def test_a_snapshot_reads_group_after_group_so_its_memory_stays_flat(tmp_path: Path) -> None:
    """Each group's tables before the next group's: the workers never hold every group of the
    heaviest table at once."""
    with Sandbox(accounts=52, media_per_account=(1,)) as box, sandbox_connection(box) as conn:
        start = len(box.app.log)
        instapd.snapshot(["Media", "InstagramBusinessProfile"], connection=conn,
                         location=tmp_path, workers=1)  # fmt: skip
        operations = [line for line in box.app.log[start:] if line.startswith("BATCH ")]
    kinds = ["media" if line.split("?")[0].endswith("/media") else "profile" for line in operations]
    runs = [kind for i, kind in enumerate(kinds) if i == 0 or kinds[i - 1] != kind]
    assert runs == ["media", "profile", "media", "profile"], runs  # 50 accounts, then 2 more
