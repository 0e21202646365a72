"""Competitors in a snapshot: other accounts' public profile and media, through Business Discovery.

Each run keeps ``BusinessDiscovery`` (one row per username) and ``BusinessDiscoveryMedia`` (their
posts) as read through one of the snapshot's own accounts, in one file per table and run, under
that account's partition. A username Business Discovery cannot see (no such account, a personal
or age-gated one) is an ``error`` row of the summary naming it; the others are kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pandas as pd

from ..catalog import get_table
from ..catalog.schemes import check_table_scheme
from ..errors import InstapdError, UsageError
from ..frames import empty_frame
from ..io import read
from . import runs
from .dataset import SnapshotDataset, file_meta

logger = logging.getLogger("instapd.history")

TABLES = ("BusinessDiscovery", "BusinessDiscoveryMedia")
#: Competitors' posts kept by each run: those of the last 90 days.
MEDIA_DAYS = 90
#: Instagram usernames: letters, digits, periods and underscores, at most 30.
_USERNAME = re.compile(r"[A-Za-z0-9._]{1,30}")


def usernames(competitors: str | Sequence[str] | None) -> tuple[str, ...]:
    """``competitors`` checked before any read: Instagram usernames (an ``@`` is dropped)."""
    if competitors is None:
        return ()
    given = [competitors] if isinstance(competitors, str) else competitors
    if not isinstance(given, list | tuple) or not all(isinstance(u, str) for u in given):
        raise UsageError(
            f"competitors= takes Instagram usernames, such as ['bluebottle'], not {competitors!r}."
        )
    names = [u.strip().removeprefix("@") for u in given]
    bad = [u for u in names if not _USERNAME.fullmatch(u)]
    if bad:
        raise UsageError(
            f"competitors= takes Instagram usernames (letters, digits, '.' and '_', at most 30), "
            f"not {bad[0]!r}."
        )
    return tuple(dict.fromkeys(n.lower() for n in names))


def check_scheme(connection: Any, names: tuple[str, ...]) -> None:
    """Before any read: Business Discovery needs Facebook Login (refused with its fix)."""
    if names:
        for table in TABLES:
            check_table_scheme(table, connection.config.auth_scheme)


def snapshot_competitors(
    connection: Any,
    dataset: SnapshotDataset,
    run: runs.Run,
    write: Any,
) -> list[dict[str, Any]]:
    """Read and keep each competitor of ``run`` through its first account; a summary row per
    (table, username). ``write(dataset, run, table, (account,), frame, extra)`` writes one file."""
    account = run.accounts[0]
    rows: list[dict[str, Any]] = []
    for table in TABLES:
        path = dataset.group_path(table, run.date, run.id, (account,))
        base = {"table": table, "account": account, "path": str(path), "run": run.id}
        if path.exists():  # this run kept them before it was stopped
            meta = file_meta(path)
            kept, unseen_before = meta.get("competitors", {}), meta.get("unseen", {})
            for name in run.competitors:
                rows.append({**base, "competitor": name, "rows": kept.get(name, 0),
                             "status": "kept" if name in kept else "error",
                             "error": unseen_before.get(name)})  # fmt: skip
            continue
        frames: list[pd.DataFrame] = []
        counts: dict[str, int] = {}
        unseen: dict[str, str] = {}
        failed: list[dict[str, Any]] = []
        since = run.when - timedelta(days=MEDIA_DAYS) if table != "BusinessDiscovery" else None
        for name in run.competitors:
            try:
                frame = read(connection, table, account=account, username=name, since=since,
                             cache=False, progress=False)  # fmt: skip
            except UsageError:
                raise
            except InstapdError as exc:
                logger.info("snapshot of %s for %s failed: %s", table, name, exc)
                unseen[name] = _seen(name, exc)
                failed.append({**base, "competitor": name, "path": None, "rows": 0,
                               "status": "error", "error": unseen[name]})  # fmt: skip
                continue
            if table == "BusinessDiscovery":
                frame = frame.assign(username=frame["username"].fillna(name))
            frames.append(frame)
            counts[name] = len(frame)
        # written even when no one was seen: the refusals are history too (benchmark names them)
        together = (
            pd.concat(frames, ignore_index=True)
            if frames
            else empty_frame(get_table(table).columns)
        )
        together.attrs = frames[0].attrs if frames else {}
        write(dataset, run, table, (account,), together, {"competitors": counts, "unseen": unseen})
        rows.extend({**base, "competitor": n, "rows": c, "status": "written"}
                    for n, c in counts.items())  # fmt: skip
        rows.extend(failed)
    return rows


def _seen(name: str, exc: InstapdError) -> str:
    return (
        f"Business Discovery cannot see @{name}: {exc}. It sees business and creator accounts "
        "that are not age-gated; check the username."
    )
