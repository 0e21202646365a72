"""``instapd sandbox`` (serve the sandbox Graph API) and ``instapd demo`` (read a few tables from
an in-process one)."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from ..api import Connection, connect
from ..errors import UsageError
from .output import wide


def add_commands(commands: Any) -> None:
    """The subcommands, on the parser's subparsers."""
    sub = commands.add_parser("sandbox", help="serve the sandbox Graph API until interrupted")
    sub.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sub.add_argument("--seed", type=int, default=0, help="dataset seed")
    sub.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    sub.add_argument("--media", help="media per account, e.g. 160,60 (the default)")
    sub.add_argument(
        "--instagram", action="store_true", help="play Instagram Login's host (graph.instagram.com)"
    )
    sub.set_defaults(run=_sandbox)

    sub = commands.add_parser("demo", help="read a few tables from an in-process sandbox")
    sub.set_defaults(run=_demo)


def _sandbox(args: argparse.Namespace) -> None:
    from ..sandbox import Faults, Sandbox

    if not 0 <= args.port <= 65535:
        raise UsageError(
            f"--port takes a port from 1 to 65535, or 0 for a free one (the default), not "
            f"{args.port}."
        )
    try:
        media = tuple(int(n) for n in args.media.split(",")) if args.media else (160, 60)
    except ValueError:
        raise UsageError(f"--media takes counts such as 160,60, not {args.media!r}.") from None
    if not media or min(media) < 0:
        raise UsageError(f"--media takes counts of 0 or more, such as 160,60, not {args.media!r}")
    faults = Faults(latency=args.latency)
    scheme = "instagram" if args.instagram else "facebook"
    with Sandbox(
        port=args.port, seed=args.seed, media_per_account=media, faults=faults, scheme=scheme
    ) as sandbox:
        print(f"sandbox Graph API at {sandbox.url} (version {sandbox.version})")
        print("use it from another shell with:")
        if args.instagram:
            print("  export INSTAPD_AUTH_SCHEME=InstagramLogin")
        print(f"  export INSTAPD_GRAPH_URL={sandbox.url}")
        print(f"  export INSTAPD_ACCESS_TOKEN={sandbox.token}  # a sandbox token, not a real one")
        print("press Ctrl-C to stop", flush=True)
        threading.Event().wait()


def _demo(args: argparse.Namespace) -> None:
    from ..sandbox import Sandbox

    with Sandbox() as sandbox:
        connection = connect(graph_url=sandbox.url, access_token=sandbox.token, cache=False)
        _show_demo(connection)
        print(f"\n{sandbox.requests_served} requests to the sandbox at {sandbox.url}")


def _show_demo(connection: Connection) -> None:
    with wide():
        profiles = connection.read("InstagramBusinessProfile", account="all")
        print("Linked accounts:")
        print(profiles[["username", "followers_count", "media_count"]].to_string(index=False))
        account = profiles["id"].iloc[0]
        media = connection.read("Media", account=account)
        print(f"\nMedia of @{profiles['username'].iloc[0]}: {len(media)} items, newest first")
        columns = ["timestamp", "media_type", "like_count", "comments_count"]
        print(media[columns].head(8).to_string(index=False))
        print("\nMedia by type:")
        print(
            media.groupby("media_product_type")[["like_count", "comments_count"]]
            .agg(["count", "mean"])
            .round(1)
        )
        comments = connection.read("Comments", account=account, limit=5)
        print("\nLatest comments on the newest media:")
        print(comments[["timestamp", "username", "text"]].to_string(index=False))
