"""``python -m instapd reply|hide|delete``: writes for scripts, each with ``--dry-run``.

Prints one line per id (``id status error``); exits 1 when any write failed.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from .api import connect, delete, insert, update


def add_write_commands(commands: Any) -> None:
    """The write subcommands, on the parser's subparsers."""
    sub = commands.add_parser("reply", help="reply to a comment")
    sub.add_argument("comment_id")
    sub.add_argument("text")
    _common(sub, _reply)

    sub = commands.add_parser("hide", help="hide comments (--unhide shows them again)")
    sub.add_argument("comment_ids", nargs="+", metavar="COMMENT_ID")
    sub.add_argument("--unhide", action="store_true", help="show the comments again")
    _common(sub, _hide)

    sub = commands.add_parser("delete", help="delete comments (--media: delete media)")
    sub.add_argument("ids", nargs="+", metavar="ID")
    sub.add_argument("--media", action="store_true", help="the ids are media, not comments")
    _common(sub, _delete)


def _common(sub: argparse.ArgumentParser, run: Any) -> None:
    sub.add_argument("--dry-run", action="store_true", help="check and show, send nothing")
    sub.add_argument("--account", help="account id or username whose objects these are")
    sub.add_argument("--sandbox", action="store_true", help="write to the built-in sandbox")
    sub.set_defaults(run=run)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "connection": connect(sandbox=True) if args.sandbox else None,
        "account": args.account,
        "dry_run": args.dry_run,
    }


def _reply(args: argparse.Namespace) -> int:
    rows = [{"comment_id": args.comment_id, "text": args.text}]
    return _show(insert("Replies", rows, **_options(args)), args.dry_run)


def _hide(args: argparse.Namespace) -> int:
    rows = [{"id": i, "hidden": not args.unhide} for i in args.comment_ids]
    return _show(update("Comments", rows, **_options(args)), args.dry_run)


def _delete(args: argparse.Namespace) -> int:
    table = "IGMedia" if args.media else "Comments"
    return _show(delete(table, args.ids, **_options(args)), args.dry_run)


def _show(result: pd.DataFrame, dry_run: bool) -> int:
    for _, row in result.iterrows():
        line = f"{row['id']}\t{row['status']}"
        if dry_run and row["status"] == "ok":
            body = f" {row['body']}" if isinstance(row["body"], str) else ""
            line += f"\twould send {row['method']} {row['path']}{body}"
        if row["status"] == "error":
            line += f"\t{row['error']}"
        print(line)
    return 1 if (result["status"] == "error").any() else 0
