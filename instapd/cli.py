"""``python -m instapd``: list and describe tables, read one to a file, serve the sandbox, demo."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from .api import Connection, connect, login, read_instagram
from .cache import QueryCache
from .catalog import get_table
from .cli_health import add_health_commands
from .cli_snapshot import add_snapshot_commands
from .cli_writes import add_write_commands
from .errors import AccountError, InstapdError, UsageError
from .info import describe, tables, tables_markdown
from .validation import graph_id

_WIDE = {"display.width": 120, "display.max_columns": 8, "display.max_colwidth": 28}


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; errors are one line on stderr: exit 2 for usage errors, 1 for others."""
    try:
        return run(argv)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except InstapdError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:
        return 130


def _fail(message: str, code: int) -> int:
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return code


def run(argv: Sequence[str] | None = None) -> int:
    """Run a command, raising what it raises (``main`` turns that into one line)."""
    args = _parser().parse_args(argv)
    return int(args.run(args) or 0)


class CommandLineError(UsageError):
    """A command line that argparse refused: a missing argument, an unknown option..."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CommandLineError(f"{message}; see `{self.prog} --help`.")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="instapd", description="Instagram Graph API data as pandas DataFrames.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)

    sub = commands.add_parser("tables", help="list every table")
    sub.add_argument("--markdown", action="store_true", help="as the README's Markdown table")
    sub.set_defaults(run=_tables)

    sub = commands.add_parser("describe", help="the columns of a table")
    sub.add_argument("table")
    sub.set_defaults(run=_describe)

    sub = commands.add_parser("read", help="read a table and print it or save it")
    sub.add_argument("table")
    sub.add_argument("--account", help="account id or username, or 'all'")
    sub.add_argument("--since", help="start of the time range (inclusive)")
    sub.add_argument("--until", help="end of the time range (exclusive)")
    sub.add_argument("--limit", type=int, help="at most this many rows")
    sub.add_argument("--columns", help="comma-separated column names")
    sub.add_argument("--out", type=Path, help="write to FILE.parquet or FILE.csv")
    sub.add_argument("--sandbox", action="store_true", help="read from the built-in sandbox")
    sub.set_defaults(run=_read)

    sub = commands.add_parser("sandbox", help="serve the sandbox Graph API until interrupted")
    sub.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sub.add_argument("--seed", type=int, default=0, help="dataset seed")
    sub.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    sub.add_argument("--media", help="media per account, e.g. 160,60 (the default)")
    sub.add_argument(
        "--instagram", action="store_true", help="play Instagram Login's host (graph.instagram.com)"
    )
    sub.set_defaults(run=_sandbox)

    sub = commands.add_parser(
        "login",
        help="log in with Facebook and store the token",
        description="Prints the login link. Where a browser can be opened here and the machine "
        "is not remote, opens it and waits for its return; elsewhere (JupyterHub, SSH, Colab, "
        "...) reads the address the browser landed on from standard input.",
    )
    how = sub.add_mutually_exclusive_group()
    how.add_argument("--web", action="store_true", help="paste the address you land on")
    how.add_argument("--desktop", action="store_true", help="a listener on CallbackURL waits")
    sub.add_argument("--sandbox", action="store_true", help="log in to the built-in sandbox")
    sub.set_defaults(run=_login)

    sub = commands.add_parser("logout", help="delete the stored token")
    sub.add_argument("--sandbox", action="store_true", help="the sandbox's token")
    sub.set_defaults(run=_logout)

    sub = commands.add_parser("cache", help="list or clear the query cache")
    sub.add_argument("action", choices=["ls", "clear"])
    sub.add_argument("--table", help="only this table")
    sub.add_argument("--account", help="only this account id")
    sub.add_argument("--older-than", help="only entries older than this, e.g. '7 days'")
    sub.set_defaults(run=_cache)

    sub = commands.add_parser("demo", help="read a few tables from an in-process sandbox")
    sub.set_defaults(run=_demo)
    add_write_commands(commands)
    add_snapshot_commands(commands)
    add_health_commands(commands)
    return parser


def _tables(args: argparse.Namespace) -> None:
    if args.markdown:
        print(tables_markdown())
        return
    with pd.option_context(*_flat({**_WIDE, "display.max_colwidth": 70})):
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
    with pd.option_context(*_flat({**_WIDE, "display.max_colwidth": 60})):
        print(frame.to_string(index=False))


def _read(args: argparse.Namespace) -> None:
    if args.out is not None:
        _check_out(args.out)
    connection = connect(sandbox=True) if args.sandbox else None
    frame = read_instagram(
        args.table,
        connection=connection,
        account=args.account,
        since=args.since,
        until=args.until,
        limit=args.limit,
        columns=args.columns.split(",") if args.columns else None,
    )
    if args.out is None:
        with pd.option_context(*_flat(_WIDE)):
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


def _login(args: argparse.Namespace) -> None:
    connection = connect(sandbox=True) if args.sandbox else connect()
    credentials = login(connection, web=args.web, desktop=args.desktop)
    print(f"Token stored at {connection.token_store().path}")
    del credentials


def _logout(args: argparse.Namespace) -> None:
    connection = connect(sandbox=True) if args.sandbox else connect()
    removed = connection.logout()
    print(f"Removed {connection.token_store().path}" if removed else "No stored token.")


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
        with pd.option_context(*_flat(_WIDE)):
            print(
                listing[["table", "account", "rows", "bytes", "fetched_at"]].to_string(index=False)
            )


def _sandbox(args: argparse.Namespace) -> None:
    from .sandbox import Faults, Sandbox

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
    from .sandbox import Sandbox

    with Sandbox() as sandbox:
        connection = connect(graph_url=sandbox.url, access_token=sandbox.token, cache=False)
        _show_demo(connection)
        print(f"\n{sandbox.requests_served} requests to the sandbox at {sandbox.url}")


def _show_demo(connection: Connection) -> None:
    with pd.option_context(*_flat(_WIDE)):
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


def _flat(options: dict[str, Any]) -> list[Any]:
    return [item for pair in options.items() for item in pair]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
