"""``python -m instapd health``: each account's token, scopes, usage and last reads, for a
glance or a cron job.

Prints one line per account; exits 1 when any account cannot be read now, the token is invalid
or lacks a scope the tables need, so a scheduler sees it before the next run fails.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..api import connect, health

_SHOWN = {
    "username": "username",
    "token_type": "token",
    "expires_at": "expires",
    "data_access_expires_at": "data access until",
    "scopes_missing": "missing scopes",
    "account_usage_percent": "usage %",
    "last_good_read": "last good read",
    "last_error": "last error",
    "error": "now",
}


def add_commands(commands: Any) -> None:
    """The ``health`` subcommand, on the parser's subparsers."""
    sub = commands.add_parser("health", help="each account's token, scopes, usage and last reads")
    sub.add_argument("--tables", nargs="+", help="check the scopes of these tables")
    sub.add_argument("--accounts", nargs="+", help="account ids or usernames (default: all)")
    sub.add_argument("--sandbox", action="store_true", help="check the built-in sandbox")
    sub.set_defaults(run=_health)


def _words(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [word for value in values for word in value.split(",") if word.strip()]


def _health(args: argparse.Namespace) -> int:
    connection = connect(sandbox=True) if args.sandbox else connect()
    accounts: str | list[str] = _words(args.accounts) or "all"
    frame = health(_words(args.tables), account=accounts, connection=connection)
    shown = frame[list(_SHOWN)].rename(columns=_SHOWN).astype(object)
    for column, none in (("expires", "never"), ("data access until", "never"),
                         ("last good read", "-")):  # fmt: skip
        shown[column] = [_day(v, none) for v in frame[_key(column)]]
    shown = shown.fillna("-").replace("", "-")
    with pd.option_context("display.width", 160, "display.max_colwidth", 48):
        print(shown.to_string(index=False))
    missing = frame["scopes_missing"].fillna("") != ""
    bad = frame["error"].notna() | ~frame["token_valid"].fillna(True) | missing
    app = frame["app_usage_percent"].max() if len(frame) else None
    print(f"{len(frame)} accounts, {int(bad.sum())} need attention; app usage {app}%")
    return 1 if bad.any() else 0


def _key(shown: str) -> str:
    return next(k for k, v in _SHOWN.items() if v == shown)


def _day(value: Any, none: str) -> str:
    """A time to the minute; ``none`` when there is none (NaT: never, or not noted)."""
    if pd.isna(value):
        return none
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
