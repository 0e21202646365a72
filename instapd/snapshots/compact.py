"""Merge a day's snapshot files (one per run and group of accounts) into one file per table and
date (and per account, for the files of one account each that earlier versions and the webhook
receiver write).

Only finished runs are merged. The merged file lists the files it holds (metadata key
``instapd``: ``compacted``); it is renamed into place before they are removed, and a merge that
was interrupted between the two is finished by the next compaction, so no row is lost or doubled.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..__about__ import __version__
from . import runs
from .dataset import SnapshotDataset, file_meta, is_data_file
from .snapshot import table_names

STALE_TEMPORARY = 3600  # seconds: a temporary file this old belongs to a run that died


def compact(
    location: str | Path | None = None, tables: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Merge small files; one row per merged folder: table, account, date, files, rows, path."""
    dataset = SnapshotDataset(location)
    names = table_names(tables) if tables is not None else tuple(dataset.tables())
    running = tuple(run.id for run in runs.unfinished(dataset))
    rows = []
    for table in names:
        root = dataset.folder(table)
        folders = [*root.glob("date=*"), *root.glob("account=*/date=*")] if root.is_dir() else []
        for folder in sorted(folders):
            merged = _compact_folder(dataset, folder, running)
            if merged is not None:
                rows.append({"table": table, **merged})
    columns = {"table": "string", "account": "string", "date": "string", "files": "Int64",
               "rows": "Int64", "path": "string"}  # fmt: skip
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def _compact_folder(
    dataset: SnapshotDataset, folder: Path, running: tuple[str, ...]
) -> dict[str, Any] | None:
    _finish_earlier(folder)
    _drop_stale_temporaries(folder)
    files = [p for p in sorted(folder.glob("*.parquet")) if is_data_file(p)]
    files = [p for p in files if not p.name.startswith(running)]  # runs still going are left
    if len(files) < 2:
        return None
    names, parts, by_run = [], [], {}
    accounts: dict[str, dict[str, int]] = {}  # run -> account -> rows, for a resumed run
    for path in files:
        meta = file_meta(path)
        table = pq.read_table(path).replace_schema_metadata(None)
        names += meta.get("compacted", [path.name])
        if "compacted" in meta:  # merged before: its runs as it counted them
            by_run.update(meta.get("rows_by_run", {}))
            for earlier, counts in meta.get("accounts_by_run", {}).items():
                accounts.setdefault(earlier, {}).update(counts)
        else:  # a run's file: of one group (several per run and day) or of one account
            run = str(meta.get("run"))
            by_run[run] = by_run.get(run, 0) + table.num_rows
            accounts.setdefault(run, {}).update(meta.get("accounts", {}))
        parts.append(table)
    merged = pa.concat_tables(parts, promote_options="permissive")
    merged = merged.sort_by([("snapshot_at", "ascending")])
    digest = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:16]
    target = folder / f"compact-{digest}.parquet"
    meta = {
        "compacted": sorted(names),
        "replaced": [p.name for p in files],
        "rows": merged.num_rows,
        "rows_by_run": by_run,
        "accounts_by_run": {run: counts for run, counts in accounts.items() if counts},
        "instapd_version": __version__,
    }
    dataset.write(target, merged, meta)
    for path in files:
        if path != target:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    above = folder.parent.name
    return {
        "account": above.removeprefix("account=") if above.startswith("account=") else None,
        "date": folder.name.removeprefix("date="),
        "files": len(files),
        "rows": merged.num_rows,
        "path": str(target),
    }


def _finish_earlier(folder: Path) -> None:
    """Remove files a merged file already holds (a compaction stopped before removing them)."""
    for merged in folder.glob("compact-*.parquet"):
        for name in file_meta(merged).get("replaced", []):
            leftover = folder / str(name)
            if leftover != merged and is_data_file(leftover):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()


def _drop_stale_temporaries(folder: Path) -> None:
    for stray in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - stray.stat().st_mtime > STALE_TEMPORARY:
                stray.unlink()
