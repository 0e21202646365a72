"""Cache and snapshot folders: another user's folder (or one others may write to) is refused,
a link inside is refused, and only the folders instapd makes are tightened.

A folder made group- or world-writable stands in for another user's; running as root, a
folder is also handed to another uid with ``os.chown``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import registry

import instapd
from instapd.private import tighten
from instapd.sandbox import Sandbox
from instapd.snapshots import SnapshotDataset


def _connect(sandbox: Sandbox, **props: Any) -> instapd.Connection:
    return instapd.connect(graph_url=sandbox.url, access_token=sandbox.token, **props)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _read_into_cache(sandbox: Sandbox, account: str, cache: Path) -> Any:
    return _connect(sandbox, CacheLocation=str(cache)).read("Stories", account=account)


def _snapshot_into(sandbox: Sandbox, account: str, folder: Path) -> Any:
    connection = _connect(sandbox, SnapshotLocation=str(folder))
    return instapd.snapshot(["Stories"], account=account, connection=connection)


WRITERS = {"cache": _read_into_cache, "snapshot": _snapshot_into}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("bits", [0o020, 0o002], ids=["group-writable", "world-writable"])
def test_a_root_others_may_write_to_is_refused(
    clean_sandbox: Sandbox, account: str, tmp_path: Path, writer: str, bits: int
) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    root.chmod(0o700 | bits)
    with pytest.raises(
        instapd.PrivateFolderError, match=r"others may write to it.*chmod go-w"
    ) as e:
        WRITERS[writer](clean_sandbox, account, root)
    assert e.value.path == root
    assert str(root) in str(e.value)
    assert not _files(root)
    assert _mode(root) == 0o700 | bits  # refused, never chmod'ed


@pytest.mark.parametrize("writer", WRITERS)
def test_a_level_under_the_root_others_may_write_to_is_refused(
    clean_sandbox: Sandbox, account: str, tmp_path: Path, writer: str
) -> None:
    root = tmp_path / "mine"
    WRITERS[writer](clean_sandbox, account, root)  # the first write makes the levels
    written = _files(root)
    assert written
    level = written[0].parent  # the deepest folder, e.g. {account}/Stories or date=...
    level.chmod(0o777)
    with pytest.raises(instapd.PrivateFolderError, match="others may write") as e:
        WRITERS[writer](clean_sandbox, account, root)
    assert e.value.path in (level, *level.parents)


def test_a_cache_file_others_may_write_to_is_not_served(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    root = tmp_path / "cache"
    _read_into_cache(clean_sandbox, account, root)
    (entry,) = root.glob("*/Stories/*.parquet")
    entry.chmod(0o666)
    clean_sandbox.app.reset_counters()
    with pytest.raises(instapd.PrivateFolderError, match="others may write") as e:
        _read_into_cache(clean_sandbox, account, root)
    assert e.value.path == entry


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="chown needs root")
@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_another_user_owns_is_refused(
    clean_sandbox: Sandbox, account: str, tmp_path: Path, writer: str
) -> None:
    root = tmp_path / "theirs"
    WRITERS[writer](clean_sandbox, account, root)
    level = _files(root)[0].parent
    os.chown(level, 4242, 4242)  # private to its owner, but that owner is someone else
    with pytest.raises(instapd.PrivateFolderError, match=r"another user \(uid 4242\)") as e:
        WRITERS[writer](clean_sandbox, account, root)
    assert e.value.path == level


@pytest.mark.parametrize("writer", WRITERS)
def test_a_link_inside_the_folder_is_refused_even_to_a_place_inside(
    clean_sandbox: Sandbox, account: str, tmp_path: Path, writer: str
) -> None:
    root = tmp_path / "linked"
    root.mkdir(mode=0o700)
    elsewhere = root / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    name = account if writer == "cache" else "table=Stories"
    (root / name).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(instapd.PrivateFolderError, match="is a link inside") as e:
        WRITERS[writer](clean_sandbox, account, root)
    assert e.value.path == root / name
    assert not list(root.rglob("*.parquet"))
    assert not list(elsewhere.iterdir())


@pytest.mark.parametrize("writer", WRITERS)
def test_a_folder_the_user_made_keeps_its_mode_and_special_bits(
    clean_sandbox: Sandbox, account: str, tmp_path: Path, writer: str
) -> None:
    root = tmp_path / "team"
    root.mkdir()
    root.chmod(0o2750 | stat.S_ISVTX)  # setgid and sticky: the user's choice
    WRITERS[writer](clean_sandbox, account, root)
    assert _files(root)
    assert _mode(root) == 0o2750 | stat.S_ISVTX
    for path in root.rglob("*"):  # what instapd made is private
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_cache_location_in_a_sqlalchemy_url_keeps_its_mode(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    registry.register("instagram", "instapd.sql.dialect", "InstagramDialect")
    root = tmp_path / "sa-cache"
    root.mkdir()
    root.chmod(0o2755)
    query = {"GraphURL": clean_sandbox.url, "BusinessAccountId": account,
             "CacheLocation": str(root)}  # fmt: skip
    url = sa.engine.URL.create("instagram", password=clean_sandbox.token, query=query)
    with sa.create_engine(url).connect() as connection:
        rows = connection.execute(sa.text("SELECT id FROM Stories")).fetchall()
    assert rows
    assert _files(root)
    assert _mode(root) == 0o2755


def test_instapds_own_folders_from_an_earlier_version_are_tightened(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    # SECURITY.md: folders an earlier version left readable are tightened on the next write
    root = tmp_path / "old-cache"
    _read_into_cache(clean_sandbox, account, root)
    table = next(root.glob("*/Stories"))
    for level in (table, table.parent):
        level.chmod(0o2755)
    for entry in table.glob("*.parquet"):
        entry.unlink()
    _read_into_cache(clean_sandbox, account, root)
    assert _mode(table) == 0o2700  # group and others' bits gone, setgid kept
    assert _mode(table.parent) == 0o2700


def test_tighten_takes_group_and_others_bits_off_and_follows_no_link(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    own.chmod(0o1755)
    target = tmp_path / "target"
    target.mkdir()
    target.chmod(0o755)
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    tighten([own, link, tmp_path / "missing"])
    assert _mode(own) == 0o1700
    assert _mode(target) == 0o755


def test_snapshot_partitions_an_earlier_version_left_readable_are_tightened(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    root = tmp_path / "old-snapshots"
    root.mkdir()
    root.chmod(0o755)  # the user's own choice: kept
    _snapshot_into(clean_sandbox, account, root)
    levels = [root / "table=Stories", *root.glob("table=Stories/date=*"), root / "_runs"]
    assert len(levels) == 3
    for level in levels:
        level.chmod(0o2755)
    _snapshot_into(clean_sandbox, account, root)
    assert [_mode(level) for level in levels] == [0o2700] * 3  # setgid kept
    assert _mode(root) == 0o755


def test_a_snapshot_link_leading_outside_is_refused_as_leading_outside(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    # each write checks its path with one walk of lstat; a refusal is still the one the full
    # check (links resolved) gives first
    root, outside = tmp_path / "snapshots", tmp_path / "outside"
    outside.mkdir(mode=0o700)
    root.mkdir(mode=0o700)
    (root / "table=Stories").symlink_to(outside, target_is_directory=True)
    with pytest.raises(instapd.UsageError, match="leads outside") as e:
        _snapshot_into(clean_sandbox, account, root)
    assert not isinstance(e.value, instapd.PrivateFolderError)
    with pytest.raises(instapd.UsageError, match="leads outside") as e:
        SnapshotDataset(root).private_folders(root / "table=Stories" / "date=2026-01-02")
    assert not isinstance(e.value, instapd.PrivateFolderError)
    assert not list(outside.iterdir())


def test_a_snapshot_path_going_up_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "snapshots"
    dataset = SnapshotDataset(root)
    escaping = root / "table=Media" / ".." / ".." / "elsewhere" / "x.parquet"
    with pytest.raises(instapd.UsageError, match="leads outside"):
        dataset.inside(escaping)
    with pytest.raises(instapd.UsageError, match="leads outside"):
        dataset.private_folders(escaping.parent)
    assert not (tmp_path / "elsewhere").exists()
    staying = root / "table=Media" / ".." / "table=Stories"
    assert dataset.inside(staying) == staying  # goes up, but not out
