"""``instapd login`` and ``instapd logout``: the stored token."""

from __future__ import annotations

import argparse
from typing import Any

from ..api import connect, login


def add_commands(commands: Any) -> None:
    """The subcommands, on the parser's subparsers."""
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


def _login(args: argparse.Namespace) -> None:
    connection = connect(sandbox=True) if args.sandbox else connect()
    credentials = login(connection=connection, web=args.web, desktop=args.desktop)
    print(f"Token stored at {connection.token_store().path}")
    del credentials


def _logout(args: argparse.Namespace) -> None:
    connection = connect(sandbox=True) if args.sandbox else connect()
    removed = connection.logout()
    print(f"Removed {connection.token_store().path}" if removed else "No stored token.")
