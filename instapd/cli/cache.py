"""``instapd cache ls|clear``: the query cache."""

from __future__ import annotations

import argparse
from typing import Any

from ..cache import QueryCache
from ..catalog import get_table
from ..errors import AccountError
from ..validation import graph_id
from .output import wide


def add_commands(commands: Any) -> None:
    """The subcommands, on the parser's subparsers."""
    sub = commands.add_parser("cache", help="list or clear the query cache")
    sub.add_argument("action", choices=["ls", "clear"])
    sub.add_argument("--table", help="only this table")
    sub.add_argument("--account", help="only this account id")
    sub.add_argument(
        "--older-than",
        metavar="AGE",
        help="only entries older than this: a number and a unit, such as 7d, 12h or 30m",
    )
    sub.set_defaults(run=_cache)


def _cache(args: argparse.Namespace) -> None:
    store = QueryCache()
    if args.action == "clear":
        table = get_table(args.table).name if args.table else None
        removed = store.clear(table, args.account, args.older_than)
        print(f"removed {removed} entries from {store.location}")
        return
    listing = store.entries()
    if args.table:
        listing = listing[listing["table"].str.lower() == get_table(args.table).name.lower()]
    if args.account:
        account = graph_id(args.account, "--account", AccountError)
        listing = listing[listing["account"] == account]
    print(f"{len(listing)} entries in {store.location}")
    if len(listing):
        with wide():
            print(
                listing[["table", "account", "rows", "bytes", "fetched_at"]].to_string(index=False)
            )
