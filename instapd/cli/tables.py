"""``instapd tables`` and ``instapd describe TABLE``: the catalog."""

from __future__ import annotations

import argparse
from typing import Any

from ..cdata.info import describe, tables, tables_markdown
from .output import wide


def add_commands(commands: Any) -> None:
    """The subcommands, on the parser's subparsers."""
    sub = commands.add_parser("tables", help="list every table")
    sub.add_argument("--markdown", action="store_true", help="as the README's Markdown table")
    sub.set_defaults(run=_tables)

    sub = commands.add_parser("describe", help="the columns of a table")
    sub.add_argument("table")
    sub.set_defaults(run=_describe)


def _tables(args: argparse.Namespace) -> None:
    if args.markdown:
        print(tables_markdown())
        return
    with wide(max_colwidth=70):
        print(tables()[["name", "kind", "description"]].to_string(index=False))


def _describe(args: argparse.Namespace) -> None:
    frame = describe(args.table)
    info = frame.attrs["instapd"]
    print(f"{info['table']} ({info['kind']}): {info['description']}")
    print(f"scopes: {', '.join(info['scopes']) or 'none'}")
    for name, text in info["filters"].items():
        print(f"filter {name}=: {text}")
    if info["notes"]:
        print(info["notes"])
    print()
    with wide(max_colwidth=60):
        print(frame.to_string(index=False))
