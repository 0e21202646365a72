"""instapd: Instagram Graph API data as typed pandas DataFrames.

``import instapd`` also sets ``pd.read_instagram``.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING as _TYPE_CHECKING

import pandas as pd

from . import accessor as accessor  # registers DataFrame.ig
from .__about__ import __version__
from .api import (
    Connection,
    business_accounts,
    connect,
    delete,
    health,
    history,
    insert,
    login,
    logout,
    publish,
    publish_container,
    read_instagram,
    set_default_connection,
    snapshot,
    update,
)
from .config import Config
from .connection import LinkedAccount
from .errors import (
    AccessDeniedError,
    AccountError,
    AuthError,
    AuthSchemeError,
    CallbackMismatchError,
    CodeExchangeError,
    CommentRuleError,
    ContainerExpiredError,
    ContainerFailedError,
    GraphError,
    IncompleteReadError,
    InstapdError,
    InvalidFilterError,
    InvalidParameterError,
    LoginError,
    LoginTimeoutError,
    MediaNotFetchableError,
    MediaSpecError,
    NoCredentialsError,
    NotFoundError,
    NotYoursError,
    OfflineError,
    PermissionDeniedError,
    PublishError,
    PublishingLimitError,
    PublishRuleError,
    PublishTimeoutError,
    RateLimitedError,
    RefreshTooEarlyError,
    ResponseTooLargeError,
    RetryableError,
    SqlError,
    SqlNotSupportedError,
    SqlSyntaxError,
    SqlUnknownColumnError,
    SqlUnknownTableError,
    StateMismatchError,
    TokenExpiredError,
    TooMuchDataError,
    TransientError,
    UnknownColumnError,
    UnknownPropertyError,
    UnknownTableError,
    UsageError,
    WriteError,
    WriteScopeError,
    WriteTargetError,
)
from .info import describe, tables

if _TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

__all__ = [
    "AccessDeniedError",
    "AccountError",
    "AuthError",
    "AuthSchemeError",
    "CallbackMismatchError",
    "CodeExchangeError",
    "CommentRuleError",
    "Config",
    "Connection",
    "ContainerExpiredError",
    "ContainerFailedError",
    "GraphError",
    "IncompleteReadError",
    "InstapdError",
    "InvalidFilterError",
    "InvalidParameterError",
    "LinkedAccount",
    "LoginError",
    "LoginTimeoutError",
    "MediaNotFetchableError",
    "MediaSpecError",
    "NoCredentialsError",
    "NotFoundError",
    "NotYoursError",
    "OfflineError",
    "PermissionDeniedError",
    "PublishError",
    "PublishRuleError",
    "PublishTimeoutError",
    "PublishingLimitError",
    "RateLimitedError",
    "RefreshTooEarlyError",
    "ResponseTooLargeError",
    "RetryableError",
    "SqlError",
    "SqlNotSupportedError",
    "SqlSyntaxError",
    "SqlUnknownColumnError",
    "SqlUnknownTableError",
    "StateMismatchError",
    "TokenExpiredError",
    "TooMuchDataError",
    "TransientError",
    "UnknownColumnError",
    "UnknownPropertyError",
    "UnknownTableError",
    "UsageError",
    "WriteError",
    "WriteScopeError",
    "WriteTargetError",
    "__version__",
    "business_accounts",
    "connect",
    "delete",
    "describe",
    "health",
    "history",
    "insert",
    "login",
    "logout",
    "publish",
    "publish_container",
    "read_instagram",
    "set_default_connection",
    "snapshot",
    "sql",
    "tables",
    "update",
]


def sql(
    query: str,
    *,
    connection: Connection | None = None,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    cache: bool | None = None,
    explain: bool = False,
    dry_run: bool = False,
) -> pd.DataFrame:
    """Run a SQL ``SELECT`` over the tables and return a typed DataFrame, or write.

    Equality and ``IN`` on a table's filters (``describe(table).attrs``), ranges on its time
    column, ``LIMIT`` and the columns used go to :func:`read_instagram`; DuckDB does the rest
    (JOIN, GROUP BY, ORDER BY, window functions, CTEs). ``params`` fill ``?`` placeholders in
    order. ``explain=True`` returns what each table read pushes down, without reading.
    Without ``BusinessAccountId``, tables hold the rows of every linked account (filter on
    ``business_account_id`` to read one).
    CData's system tables (``sys_tables``, ``sys_tablecolumns``, ...) can be queried too.

    Writes: ``INSERT INTO Comments (media_id, text) VALUES (?, ?)`` (or ``... SELECT``),
    ``INSERT INTO Replies (comment_id, text)``, ``UPDATE Comments SET hidden = true WHERE ...``,
    ``UPDATE IGMedia SET comment_enabled = false WHERE ...`` and ``DELETE FROM
    Comments|Replies|IGMedia WHERE ...`` go to :func:`insert`, :func:`update` and
    :func:`delete` and return their result frame (``id``, ``status``, ``error``). A ``WHERE``
    other than ``id = ...``/``id IN (...)`` is read first to find the ids; a write without
    ``WHERE`` is refused. ``dry_run=True`` (or ``explain=True``) returns what would be sent.
    Needs ``pip install instapd[sql]``.
    """
    from .sqlengine import sql as run

    return run(
        query,
        connection=connection,
        params=params,
        cache=cache,
        explain=explain,
        dry_run=dry_run,
    )


def _register_pandas_reader() -> None:
    existing = getattr(pd, "read_instagram", None)
    if existing is None:
        pd.read_instagram = read_instagram  # type: ignore[attr-defined]
    elif existing is not read_instagram:
        warnings.warn(
            "pandas already has a read_instagram that is not instapd's; leaving it alone. "
            "Use instapd.read_instagram instead.",
            stacklevel=2,
        )


_register_pandas_reader()
