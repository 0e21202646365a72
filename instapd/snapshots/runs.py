"""Snapshot runs: a small JSON file per run under ``_runs/``, so a killed run can go on.

A run is planned (tables, accounts, the time it stands for), then each (table, account) is written
to a file named after the run. A file already there is never written again; the run file says
whether every pair was tried. The next snapshot with the same plan resumes an unfinished run
rather than starting a new one.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..private import write_private
from .dataset import RUNS_FOLDER, SnapshotDataset, check_run_id


@dataclass(frozen=True)
class Run:
    """One snapshot run: its id, the time it stands for, and what it reads."""

    id: str
    at: str  # ISO, UTC: the rows' snapshot date (partition) comes from it
    tables: tuple[str, ...]
    accounts: tuple[str, ...]
    done: bool = False
    competitors: tuple[str, ...] = ()  # usernames read through Business Discovery

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.at)

    @property
    def date(self) -> str:
        return self.when.strftime("%Y-%m-%d")

    @property
    def plan(self) -> str:
        parts: list[Any] = [sorted(self.tables), sorted(self.accounts)]
        if self.competitors:  # runs without competitors keep the plans they had
            parts.append(sorted(self.competitors))
        text = json.dumps(parts)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_FIELDS = [field.name for field in fields(Run)]


def new_run(
    at: datetime,
    tables: tuple[str, ...],
    accounts: tuple[str, ...],
    competitors: tuple[str, ...] = (),
) -> Run:
    at = at.astimezone(UTC).replace(microsecond=0)
    run_id = f"{at.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
    return Run(run_id, at.isoformat(), tables, accounts, competitors=competitors)


def _path(dataset: SnapshotDataset, run_id: str) -> Path:
    return dataset.inside(dataset.location / RUNS_FOLDER / f"{check_run_id(run_id)}.json")


def save(dataset: SnapshotDataset, run: Run) -> None:
    dataset.private_folders(dataset.location / RUNS_FOLDER)
    data = {name: getattr(run, name) for name in _FIELDS}  # asdict() deep-copies each id
    write_private(_path(dataset, run.id), json.dumps(data))


def load(dataset: SnapshotDataset, run_id: str) -> Run | None:
    try:
        data: Any = json.loads(_path(dataset, run_id).read_text(encoding="utf-8"))
        return Run(
            str(data["id"]),
            str(data["at"]),
            tuple(map(str, data["tables"])),
            tuple(map(str, data["accounts"])),
            bool(data["done"]),
            tuple(map(str, data.get("competitors", []))),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def unfinished(dataset: SnapshotDataset) -> list[Run]:
    """Runs that were started and never finished, newest first."""
    folder = dataset.location / RUNS_FOLDER
    if not folder.is_dir():
        return []
    runs = (load(dataset, path.stem) for path in sorted(folder.glob("*.json"), reverse=True))
    return [run for run in runs if run is not None and not run.done]
