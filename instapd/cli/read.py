"""``instapd read TABLE``: print a table or save it to a Parquet or CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..api import connect, read_instagram
from ..errors import InvalidFilterError, UsageError
from .output import wide


def add_commands(commands: Any) -> None:
    """The subcommands, on the parser's subparsers."""
    sub = commands.add_parser("read", help="read a table and print it or save it")
    sub.add_argument("table")
    sub.add_argument("--account", help="account id or username, or 'all'")
    sub.add_argument("--since", help="start of the time range (inclusive)")
    sub.add_argument("--until", help="end of the time range (exclusive)")
    sub.add_argument("--limit", type=int, help="at most this many rows")
    sub.add_argument("--columns", help="comma-separated column names")
    sub.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a table filter, e.g. metric_type=total_value (repeatable; commas for lists); "
        "`instapd describe TABLE` lists them",
    )
    sub.add_argument("--out", type=Path, help="write to FILE.parquet or FILE.csv")
    sub.add_argument("--sandbox", action="store_true", help="read from the built-in sandbox")
    sub.set_defaults(run=_read)


def _read(args: argparse.Namespace) -> None:
    if args.out is not None:
        _check_out(args.out)
    filters(args.filter)  # a malformed --filter fails before the connection is made
    connection = connect(sandbox=True) if args.sandbox else None
    frame = read_instagram(
        args.table,
        connection=connection,
        account=args.account,
        since=args.since,
        until=args.until,
        limit=args.limit,
        columns=args.columns.split(",") if args.columns else None,
        **filters(args.filter),
    )
    if args.out is None:
        with wide():
            print(frame)
        return
    try:
        if args.out.suffix.lower() == ".parquet":
            frame.to_parquet(args.out, index=False)
        else:
            frame.to_csv(args.out, index=False)
    except OSError as exc:
        raise UsageError(
            f"Cannot write {args.out} ({exc.strerror}); choose another --out."
        ) from None
    print(f"wrote {len(frame)} rows to {args.out}")


def _check_out(out: Path) -> None:
    """Before any request: --out must be a .parquet or .csv file in an existing folder."""
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise UsageError(f"--out must end in .parquet or .csv, not {suffix or 'nothing'}.")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(
            f"--out {out}: the folder {folder} does not exist; create it first or choose "
            "another path."
        )


#: Options of their own: ``--filter account=...`` would shadow ``--account``.
_FLAGS = ("account", "since", "until", "limit", "columns", "cache", "refresh", "progress")


def filters(given: list[str]) -> dict[str, Any]:
    """``--filter NAME=VALUE`` options as keyword filters: commas make a list, and a name given
    twice collects both values.

    >>> filters(["metric_type=total_value", "metrics=reach,views"])
    {'metric_type': 'total_value', 'metrics': ['reach', 'views']}
    """
    result: dict[str, list[str]] = {}
    for item in given:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not value.strip():
            raise InvalidFilterError(
                f"--filter takes NAME=VALUE, such as --filter metric_type=total_value, not "
                f"{item!r}; `instapd describe TABLE` lists a table's filters."
            )
        if name in _FLAGS:
            raise InvalidFilterError(f"--filter {item}: {name} has an option of its own, --{name}.")
        result.setdefault(name, []).extend(v.strip() for v in value.split(",") if v.strip())
    return {k: v[0] if len(v) == 1 else v for k, v in result.items()}
