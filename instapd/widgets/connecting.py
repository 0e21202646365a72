"""Which connection a widget uses: ``connection=`` if given, else instapd's default.

``Inbox(connection, account)``, the 0.x form, still works for one release with a FutureWarning.
"""

from __future__ import annotations

from typing import TypeVar

from ..connection import BaseConnection
from ..connection.default import default_connection
from ..errors import UsageError, warn

A = TypeVar("A")


def connection_and_account(
    widget: str, positional: object, account: A, connection: BaseConnection | None
) -> tuple[BaseConnection, A]:
    """The connection and account of ``widget(positional, account=..., connection=...)``.

    ``positional`` is the first positional argument: an account (the new form) or, deprecated, a
    connection. Raises :class:`~instapd.errors.UsageError` when both forms give a connection.
    """
    if isinstance(positional, BaseConnection):
        if connection is not None:
            raise UsageError(f"{widget} got two connections; pass only connection=....")
        warn(
            f"{widget}(connection, account) is deprecated and goes in the next release: "
            f"write {widget}(account=..., connection=...) (connection= is optional: the "
            "default is instapd's default connection).",
            FutureWarning,
        )
        return positional, account
    if positional is not None:
        if account is not None:
            raise UsageError(f"{widget} got two accounts; pass only account=....")
        account = positional  # type: ignore[assignment]
    return (connection if connection is not None else default_connection()), account
