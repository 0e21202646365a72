"""``python -m instapd webhooks serve``: the webhook receiver; ``subscribe`` and ``status``
point the app's webhooks at it and list them."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..api import connect
from ..errors import UsageError


def add_commands(commands: Any) -> None:
    """The ``webhooks`` subcommand group, on the parser's subparsers."""
    group = commands.add_parser("webhooks", help="receive Meta's webhooks into the history")
    actions = group.add_subparsers(required=True, metavar="ACTION")
    sub = actions.add_parser(
        "serve",
        help="serve the receiver until interrupted",
        description="The app secret comes from OAuthClientSecret (INSTAPD_APP_SECRET).",
    )
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    sub.add_argument("--port", type=int, default=8765, help="port (8765; 0: a free one)")
    sub.add_argument(
        "--verify-token",
        default=os.environ.get("INSTAPD_WEBHOOK_VERIFY_TOKEN"),
        help="the Verify Token given to Meta (or INSTAPD_WEBHOOK_VERIFY_TOKEN)",
    )
    sub.add_argument("--out", help="the dataset folder (default: SnapshotLocation)")
    sub.set_defaults(run=_serve)

    sub = actions.add_parser("subscribe", help="subscribe the app and every account's Page")
    sub.add_argument("--fields", required=True, help="comma-separated, e.g. comments,mentions")
    sub.add_argument("--callback-url", required=True, help="the receiver's public HTTPS URL")
    sub.add_argument("--verify-token", default=os.environ.get("INSTAPD_WEBHOOK_VERIFY_TOKEN"))
    sub.add_argument("--sandbox", action="store_true", help="the built-in sandbox's app")
    sub.set_defaults(run=_subscribe)

    sub = actions.add_parser("status", help="what the app and each account's Page subscribe to")
    sub.add_argument("--sandbox", action="store_true", help="the built-in sandbox's app")
    sub.set_defaults(run=_status)


def _serve(args: argparse.Namespace) -> int:
    from ..webhooks.serve import serve

    if not args.verify_token:
        raise UsageError("webhooks serve needs --verify-token (or INSTAPD_WEBHOOK_VERIFY_TOKEN).")
    connection = connect()
    config = connection.config
    serve(
        app_secret=config.client_secret,
        verify_token=args.verify_token,
        host=args.host,
        port=args.port,
        location=args.out or config.snapshot_location,
        connection=connection if (config.access_token or config.sandbox) else None,
    )
    return 0


def _subscribe(args: argparse.Namespace) -> int:
    from ..webhooks.subscriptions import subscribe

    if not args.verify_token:
        raise UsageError("webhooks subscribe needs --verify-token (the receiver's).")
    fields = [f.strip() for f in args.fields.split(",") if f.strip()]
    connection = connect(Sandbox=True) if args.sandbox else connect()
    frame = subscribe(
        fields=fields,
        callback_url=args.callback_url,
        verify_token=args.verify_token,
        connection=connection,
    )
    print(frame.to_string(index=False))
    return 0


def _status(args: argparse.Namespace) -> int:
    from ..webhooks.subscriptions import status

    connection = connect(Sandbox=True) if args.sandbox else connect()
    print(status(connection=connection).to_string(index=False))
    return 0
