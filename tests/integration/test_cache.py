"""The Parquet query cache, driven as users drive it: re-runs, new processes, crashes, disks."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import instapd
from instapd.cache import CacheWarning, QueryCache
from instapd.cli import main
from instapd.sandbox import Sandbox


def _connect(sandbox: Sandbox, cache_dir: Path, **props: object) -> instapd.Connection:
    return instapd.connect(
        graph_url=sandbox.url, access_token=sandbox.token, CacheLocation=str(cache_dir), **props
    )


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _run(
    script: str, sandbox: Sandbox, cache_dir: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a script in a new Python process pointed at the sandbox, as a notebook re-run is."""
    environ = {
        "INSTAPD_GRAPH_URL": sandbox.url,
        "INSTAPD_ACCESS_TOKEN": sandbox.token,
        "INSTAPD_CACHE_DIR": str(cache_dir),
        "INSTAPD_CONFIG_DIR": str(cache_dir.parent / "config"),
        "PATH": "/usr/bin:/bin",
        # Under RLIMIT_FSIZE a .pyc write is cut short and still renamed into place, breaking
        # every later import of that module: the scripts here never write bytecode.
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


READ_MEDIA = """
    import instapd, hashlib
    frame = instapd.read_instagram("Media", account="brewlab.coffee")
    print(len(frame), frame.attrs["instapd"]["source"],
          hashlib.sha256(frame.to_csv().encode()).hexdigest())
"""


def test_a_rerun_in_a_new_process_makes_no_request(clean_sandbox: Sandbox, cache_dir: Path) -> None:
    first = _run(READ_MEDIA, clean_sandbox, cache_dir)
    assert first.returncode == 0, first.stderr
    requests_after_first = clean_sandbox.requests_served
    assert requests_after_first > 0
    second = _run(READ_MEDIA, clean_sandbox, cache_dir)
    assert second.returncode == 0, second.stderr
    assert clean_sandbox.requests_served == requests_after_first
    rows, source, digest = second.stdout.split()
    assert source == "cache"
    assert first.stdout.split() == [rows, "api", digest]


def test_hits_misses_refresh_and_bypass(
    clean_sandbox: Sandbox, cache_dir: Path, account: str
) -> None:
    connection = _connect(clean_sandbox, cache_dir)
    first = connection.read("Media", account=account, columns=["id", "timestamp"])
    served = clean_sandbox.requests_served
    again = connection.read("Media", account=account, columns=["id", "timestamp"])
    assert clean_sandbox.requests_served == served
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs["instapd"]["cache"]["hit"] is True
    connection.read("Media", account=account, columns=["id"])  # other columns: a miss
    assert clean_sandbox.requests_served > served
    served = clean_sandbox.requests_served
    connection.read("Media", account=account, columns=["id", "timestamp"], since="2026-10-01")
    assert clean_sandbox.requests_served > served, "other filters: a miss"
    before = QueryCache(cache_dir).entries()
    served = clean_sandbox.requests_served
    refreshed = connection.read("Media", account=account, columns=["id", "timestamp"], refresh=True)
    assert clean_sandbox.requests_served > served
    assert refreshed.attrs["instapd"]["source"] == "api"
    served = clean_sandbox.requests_served
    connection.read("Stories", account=account, cache=False)
    assert clean_sandbox.requests_served > served
    after = QueryCache(cache_dir).entries()
    assert len(after) == len(before), "cache=False writes nothing"
    assert set(after["table"]) == {"Media"}


def test_entries_layout_metadata_and_clear(
    clean_sandbox: Sandbox, cache_dir: Path, account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    connection = _connect(clean_sandbox, cache_dir)
    media = connection.read("Media", account=account)
    connection.read("Pages")
    connection.read("InstagramBusinessProfile", account="all")
    listing = QueryCache(cache_dir).entries()
    assert sorted(listing["account"]) == sorted(["_multi", "_user", account])
    entry = listing.set_index("table").loc["Media"]
    assert entry["rows"] == len(media)
    path = Path(entry["path"])
    assert path.parent == cache_dir / account / "Media"
    assert len(pd.read_parquet(path.parent)) == len(media), "a table folder reads as one dataset"
    assert json.loads(entry["query"])["table"] == "Media"
    assert str(entry["fetched_at"].tz) == "UTC"
    assert QueryCache(cache_dir).clear(table="pages") == 1
    assert main(["cache", "ls"]) == 0  # the CLI reads INSTAPD_CACHE_DIR
    assert main(["cache", "clear", "--older-than", "0 seconds"]) == 0
    assert "removed" in capsys.readouterr().out


def test_the_cli_lists_and_clears_the_default_cache(
    clean_sandbox: Sandbox, tmp_path: Path, account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    connection = instapd.connect(graph_url=clean_sandbox.url, access_token=clean_sandbox.token)
    connection.read("Stories", account=account)
    assert main(["cache", "ls"]) == 0
    out = capsys.readouterr().out
    assert "1 entries" in out
    assert "Stories" in out
    assert main(["cache", "clear"]) == 0
    assert instapd.cache.entries().empty


def test_max_age_and_offline(clean_sandbox: Sandbox, cache_dir: Path) -> None:
    online = _connect(clean_sandbox, cache_dir, CacheMaxAge=0)
    frame = online.read("Stories", account="brewlab.coffee")
    served = clean_sandbox.requests_served
    online.read("Stories", account="brewlab.coffee")
    assert clean_sandbox.requests_served > served, "older than CacheMaxAge: read again"
    served = clean_sandbox.requests_served
    offline = _connect(clean_sandbox, cache_dir, CacheMaxAge=0, Offline=True)
    stale = offline.read("Stories", account="brewlab.coffee")
    pd.testing.assert_frame_equal(stale, frame)
    assert clean_sandbox.requests_served == served, "offline: no request, whatever the age"
    with pytest.raises(instapd.OfflineError, match="no Tags result"):
        offline.read("Tags", account="brewlab.coffee")
    with pytest.raises(instapd.OfflineError, match="refresh=True"):
        offline.read("Stories", account="brewlab.coffee", refresh=True)
    assert clean_sandbox.requests_served == served


def test_offline_from_the_environment(clean_sandbox: Sandbox, cache_dir: Path) -> None:
    assert _run(READ_MEDIA, clean_sandbox, cache_dir).returncode == 0
    served = clean_sandbox.requests_served
    rerun = _run(READ_MEDIA, clean_sandbox, cache_dir, INSTAPD_OFFLINE="1",
                 INSTAPD_CACHE_MAX_AGE="0")  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.split()[1] == "cache"
    assert clean_sandbox.requests_served == served


def test_incremental_media_refresh_equals_a_full_read(cache_dir: Path) -> None:
    with Sandbox() as sandbox:
        account = sandbox.account_ids[0]
        connection = _connect(sandbox, cache_dir, CacheMaxAge=0, Pagesize=25)
        stable = ["id", "caption", "media_type", "timestamp"]  # nothing here changes later
        connection.read("Media", account=account, columns=stable)
        new_ids = [sandbox.publish(account, f"new post {n}") for n in range(3)]
        served = sandbox.requests_served
        merged = connection.read("Media", account=account, columns=stable)
        assert sandbox.requests_served - served == 1, "one page: stops at the first known id"
        assert merged.attrs["instapd"]["incremental"]["fetched_rows"] == 3
        full = connection.read("Media", account=account, columns=stable, cache=False)
        pd.testing.assert_frame_equal(merged, full, check_like=False)
        assert merged["id"].tolist()[:3] == new_ids[::-1]


def test_incremental_account_insights_equals_a_full_read(
    clean_sandbox: Sandbox, cache_dir: Path, account: str
) -> None:
    connection = _connect(clean_sandbox, cache_dir, CacheMaxAge=0)
    connection.read("AccountInsights", account=account, metric_type="total_value")
    clean_sandbox.app.reset_counters()
    merged = connection.read("AccountInsights", account=account, metric_type="total_value")
    asked = [line for line in clean_sandbox.app.log if line.startswith("BATCH")]
    assert 2 <= len(asked) <= 4, "only the last days are read again"
    full = connection.read("AccountInsights", account=account, metric_type="total_value",
                           cache=False)  # fmt: skip
    pd.testing.assert_frame_equal(merged, full)


@pytest.mark.parametrize(
    ("table", "props"),
    [("Media", {}), ("AccountInsights", {"metric_type": "total_value"}),
     # follower_count is left out: Meta keeps only 30 days of it, so old days lose it
     ("AccountInsights", {"metric_type": "time_series", "metrics": ["reach"]})],
)  # fmt: skip
def test_a_refresh_equals_a_full_read_while_data_changes(
    cache_dir: Path, table: str, props: dict[str, object]
) -> None:
    with Sandbox() as sandbox:
        account = sandbox.account_ids[0]
        connection = _connect(sandbox, cache_dir, CacheMaxAge=0)
        before = connection.read(table, account=account, **props)
        for hours in (5, 13):
            sandbox.advance(hours * 3600)  # likes grow, the last days' insights are revised
            sandbox.publish(account, "new post")
            merged = connection.read(table, account=account, **props)
            full = connection.read(table, account=account, cache=False, **props)
            pd.testing.assert_frame_equal(merged, full)
        value = "like_count" if table == "Media" else "reach"
        changed = before.merge(merged, on=list(before.columns[:3]), suffixes=("", "_now"))
        assert (changed[value] != changed[f"{value}_now"]).any(), "the data did change"


def test_days_that_fall_out_of_the_default_30_days_leave_a_refreshed_entry(
    clean_sandbox: Sandbox, cache_dir: Path, account: str
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    connection = _connect(clean_sandbox, cache_dir, CacheMaxAge=0)
    props: dict[str, object] = {"metric_type": "time_series", "metrics": ["reach"]}
    fresh = connection.read("AccountInsights", account=account, **props)
    # the entry as a read made five days ago left it: five days older than today's window
    path = Path(QueryCache(cache_dir).entries()["path"].iloc[0])
    table = pq.read_table(path)
    cached = table.to_pandas()
    old = cached.head(5).copy()
    old["end_time"] -= pd.Timedelta(days=5)
    aged = pa.Table.from_pandas(pd.concat([old, cached]), preserve_index=False)
    pq.write_table(aged.replace_schema_metadata(table.schema.metadata), path)
    merged = connection.read("AccountInsights", account=account, **props)
    assert merged.attrs["instapd"]["incremental"]["cached_rows"] == len(cached) + 5
    full = connection.read("AccountInsights", account=account, cache=False, **props)
    pd.testing.assert_frame_equal(merged, full)
    assert merged["end_time"].min() == fresh["end_time"].min()


def test_a_corrupt_entry_is_ignored_and_refetched(
    clean_sandbox: Sandbox, cache_dir: Path, account: str
) -> None:
    connection = _connect(clean_sandbox, cache_dir)
    frame = connection.read("Tags", account=account)
    path = Path(QueryCache(cache_dir).entries()["path"].iloc[0])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    served = clean_sandbox.requests_served
    with pytest.warns(CacheWarning, match="unreadable cache file"):
        again = connection.read("Tags", account=account)
    assert clean_sandbox.requests_served > served
    pd.testing.assert_frame_equal(again, frame)
    assert QueryCache(cache_dir).lookup(path) is not None, "rewritten whole"


LIMITED_WRITE = """
    import resource, signal, instapd
    {signal}
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    frame = instapd.read_instagram("Comments", account="brewlab.coffee")
    print(len(frame))
"""


def test_a_process_killed_mid_write_leaves_no_broken_entry(
    clean_sandbox: Sandbox, cache_dir: Path
) -> None:
    die = "signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it by default"
    killed = _run(LIMITED_WRITE.format(signal=die), clean_sandbox, cache_dir)
    assert killed.returncode < 0, "killed by SIGXFSZ while writing the entry"
    cache = QueryCache(cache_dir)
    for path in cache.location.rglob("*.parquet"):
        assert cache.lookup(path) is not None
    assert cache.entries().empty
    rerun = _run(READ_MEDIA, clean_sandbox, cache_dir)
    assert rerun.returncode == 0, rerun.stderr
    assert "Warning" not in rerun.stderr


def test_a_full_disk_still_returns_the_data(clean_sandbox: Sandbox, cache_dir: Path) -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk
    result = _run(LIMITED_WRITE.format(signal=""), clean_sandbox, cache_dir)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 1000
    assert "Could not write the cache" in result.stderr
    assert QueryCache(cache_dir).entries().empty


def test_readers_never_see_a_torn_file(clean_sandbox: Sandbox, cache_dir: Path) -> None:
    connection = _connect(clean_sandbox, cache_dir)
    rows = len(connection.read("Media", account="brewlab.coffee"))
    path = Path(QueryCache(cache_dir).entries()["path"].iloc[0])
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import instapd
            for _ in range(25):
                instapd.read_instagram("Media", account="brewlab.coffee", refresh=True)
        """)],
        env={"INSTAPD_GRAPH_URL": clean_sandbox.url, "INSTAPD_ACCESS_TOKEN": clean_sandbox.token,
             "INSTAPD_CACHE_DIR": str(cache_dir), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    reads = 0
    try:
        while writer.poll() is None and reads < 2000:
            entry = QueryCache(cache_dir).lookup(path)
            assert entry is not None
            assert len(entry.frame) == rows
            reads += 1
    finally:
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert reads > 10


def test_no_cache_file_holds_the_token(
    clean_sandbox: Sandbox, cache_dir: Path, account: str
) -> None:
    connection = _connect(clean_sandbox, cache_dir, client_secret="app-secret-for-proof")
    connection.read("Comments", account=account)
    connection.read("AccountInsights", account=account)
    files = list(cache_dir.rglob("*"))
    assert any(f.suffix == ".parquet" for f in files)
    for file in files:
        if file.is_file():
            data = file.read_bytes()
            assert clean_sandbox.token.encode() not in data
            assert b"app-secret-for-proof" not in data


def test_a_hit_says_so(
    clean_sandbox: Sandbox, cache_dir: Path, account: str, caplog: pytest.LogCaptureFixture
) -> None:
    connection = _connect(clean_sandbox, cache_dir)
    connection.read("Stories", account=account)
    with caplog.at_level(logging.INFO, logger="instapd.cache"):
        frame = connection.read("Stories", account=account)
    assert "Stories served from the cache" in caplog.text
    assert frame.attrs["instapd"]["cache"]["age_seconds"] >= 0
    assert frame.attrs["instapd"]["source"] == "cache"


def test_lists_and_dtypes_survive_the_cache(
    clean_sandbox: Sandbox, cache_dir: Path, account: str
) -> None:
    connection = _connect(clean_sandbox, cache_dir)
    for table in ("Pages", "Comments", "AccountInsights"):
        fresh = connection.read(table, account=account if table != "Pages" else None)
        cached = connection.read(table, account=account if table != "Pages" else None)
        assert cached.attrs["instapd"]["source"] == "cache"
        pd.testing.assert_frame_equal(fresh, cached)
    assert isinstance(cached.attrs["instapd"]["columns"], list)
    tasks = connection.read("Pages")["tasks"].dropna()
    assert len(tasks) == 2
    assert tasks.map(type).eq(list).all()
