"""``python -m instapd snapshot``: append snapshots to the dataset, for cron and timers;
``python -m instapd snapshot compact`` merges a day's small files.

Prints one summary line (and one line per failed table and account on stderr); exits 1 when any
read failed, so a scheduler sees it. Run again after a kill: the run goes on where it stopped.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from ..api import connect, snapshot
from ..errors import UsageError
from ..readers import SkippedWarning
from ..snapshots import compact
from ..snapshots.snapshot import location_for


def add_commands(commands: Any) -> None:
    """The ``snapshot`` subcommand, on the parser's subparsers."""
    sub = commands.add_parser(
        "snapshot", help="append tables of every account to the snapshot dataset (or: compact)"
    )
    sub.add_argument("action", nargs="?", choices=["compact"], help="merge small files instead")
    sub.add_argument("--tables", nargs="+", help="table names (default: the nine history tables)")
    sub.add_argument(
        "--account",
        "--accounts",
        dest="accounts",
        nargs="+",
        metavar="ACCOUNT",
        help="account ids or usernames (default: all)",
    )
    sub.add_argument(
        "--competitor",
        dest="competitors",
        action="append",
        metavar="USERNAME",
        help="also keep this account's public profile and posts (Business Discovery); repeatable",
    )
    sub.add_argument("--out", help="the dataset folder (default: SnapshotLocation)")
    sub.add_argument("--workers", type=int, default=4, help="accounts read at a time")
    sub.add_argument("--new-run", action="store_true", help="do not resume an unfinished run")
    sub.add_argument("--sandbox", action="store_true", help="snapshot the built-in sandbox")
    sub.set_defaults(run=_snapshot)


def _check_out(out: Path) -> None:
    """Before any read: --out is a folder, or a new one whose nearest existing parent is a
    folder this user can write in."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "is not a folder" if existing == out else f"is inside {existing}, not a folder"
        raise UsageError(
            f"--out {out} {what}: the snapshot dataset is a folder; choose a folder (it is "
            "made if missing), such as --out ./snapshots."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"--out {out}: {existing} is not writable by this user; choose a folder you can "
            "write in, such as --out ./snapshots."
        )


def _words(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [word for value in values for word in value.split(",") if word.strip()]


def _snapshot(args: argparse.Namespace) -> int:
    if args.out is not None:
        _check_out(Path(args.out))
    connection = connect(sandbox=True) if args.sandbox else connect()
    out = location_for(connection, args.out)
    if args.action == "compact":
        merged = compact(out, _words(args.tables))
        files = int(merged["files"].sum()) if len(merged) else 0
        print(f"merged {files} files into {len(merged)} in {out}")
        return 0
    # per-object refusals (a story with too few viewers...) are NA cells, not failures; over a
    # thousand accounts their warnings would bury the summary
    warnings.simplefilter("ignore", SkippedWarning)
    accounts: str | list[str] = _words(args.accounts) or "all"
    if isinstance(accounts, list) and [a.lower() for a in accounts] == ["all"]:
        accounts = "all"
    summary = snapshot(
        _words(args.tables),
        account=accounts,
        connection=connection,
        location=out,
        resume=not args.new_run,
        workers=args.workers,
        competitors=_words(args.competitors),
    )
    counts = summary.drop_duplicates(["status", "path"])["status"].value_counts()  # per file
    failed = summary[summary["status"] == "error"]
    for row in failed.itertuples():
        rival = row.competitor
        who = f"@{rival}" if isinstance(rival, str) else str(row.account)
        print(f"error: {row.table} of {who}: {row.error}", file=sys.stderr)
    run = summary["run"].iloc[0] if len(summary) else "-"
    print(
        f"run {run}: {int(summary['rows'].sum())} rows, {counts.get('written', 0)} files "
        f"written, {counts.get('kept', 0)} kept, {len(failed)} failed, in {out}"
    )
    return 1 if len(failed) else 0
