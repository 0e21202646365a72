"""``python -m instapd reply|hide|delete``: writes for scripts, each with ``--dry-run``;
``python -m instapd publish``: publish an image, reel, carousel or story.

Prints one line per id (``id status error``); exits 1 when any write failed.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..api import connect, delete, insert, publish, update


def add_commands(commands: Any) -> None:
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

    sub = commands.add_parser("publish", help="publish an image, reel, carousel or story")
    media = sub.add_mutually_exclusive_group(required=True)
    media.add_argument("--image-url", help="a public web URL of a JPEG")
    media.add_argument("--video-url", help="a public web URL of an MP4 or MOV (a reel)")
    media.add_argument("--video-path", help="a local video, sent through the resumable upload")
    media.add_argument(
        "--child",
        action="append",
        dest="children",
        metavar="URL",
        help="a carousel item's URL (2 to 10 of them)",
    )
    sub.add_argument("--media-type", choices=["IMAGE", "REELS", "STORIES", "CAROUSEL"])
    sub.add_argument("--caption")
    sub.add_argument("--alt-text", help="alternative text (images only)")
    sub.add_argument("--location-id")
    sub.add_argument("--no-wait", action="store_true", help="make the containers, publish later")
    sub.add_argument("--timeout", type=float, default=300, help="seconds to wait (default 300)")
    sub.add_argument("--account", help="account id or username to publish to")
    sub.add_argument("--sandbox", action="store_true", help="publish to the built-in sandbox")
    sub.set_defaults(run=_publish)


def _publish(args: argparse.Namespace) -> int:
    fields = {
        "image_url": args.image_url,
        "video_url": args.video_url,
        "video_path": args.video_path,
        "children": args.children,
        "media_type": args.media_type,
        "caption": args.caption,
        "alt_text": args.alt_text,
        "location_id": args.location_id,
    }
    result = publish(
        connection=connect(sandbox=True) if args.sandbox else None,
        account=args.account,
        wait=not args.no_wait,
        timeout=args.timeout,
        **{k: v for k, v in fields.items() if v is not None},
    )
    for _, row in result.iterrows():
        shown = [row["id"], row["container_id"], row["media_type"], row["status"], row["permalink"]]
        print("\t".join("" if pd.isna(v) else str(v) for v in shown))
    return 0


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
