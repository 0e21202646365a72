"""Snapshots that keep what Instagram forgets: stories after 24 hours, lifetime metrics over time.

:func:`snapshot` appends tables to a Hive-partitioned Parquet dataset, :func:`history` reads it
back, :func:`compact` merges its small files. ``instapd.snapshot`` and ``instapd.history`` are the
public spellings.
"""

from .benchmark import benchmark
from .compact import compact
from .dataset import SnapshotDataset, default_location
from .growth import growth
from .read import history
from .snapshot import DEFAULT_TABLES, snapshot

__all__ = [
    "DEFAULT_TABLES",
    "SnapshotDataset",
    "benchmark",
    "compact",
    "default_location",
    "growth",
    "history",
    "snapshot",
]
