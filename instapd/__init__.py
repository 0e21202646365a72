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
    LoginResult,
    benchmark,
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
from .cdata.info import describe, tables
from .config import Config
from .connection import LinkedAccount
from .connection.views import use_view_runner as _use_view_runner
from .errors import (
    AccessDeniedError,
    AccountError,
    AppNotLiveError,
    AuthError,
    AuthSchemeError,
    CallbackMismatchError,
    CallbackVerificationError,
    CodeExchangeError,
    CommentRuleError,
    ContainerExpiredError,
    ContainerFailedError,
    FrameError,
    GraphError,
    IdMixupError,
    IncompleteReadError,
    InstapdError,
    InvalidFilterError,
    InvalidParameterError,
    LoginError,
    LoginTimeoutError,
    LoginUnreachableError,
    MediaNotFetchableError,
    MediaSpecError,
    MissingExtraError,
    NetworkError,
    NoCredentialsError,
    NoSnapshotsError,
    NotFoundError,
    NotMediaError,
    NotYoursError,
    OfflineError,
    PermissionDeniedError,
    PrivateFolderError,
    ProxyAuthError,
    PublishError,
    PublishingLimitError,
    PublishRuleError,
    PublishTimeoutError,
    RateLimitedError,
    RefreshTooEarlyError,
    ResponseTooLargeError,
    RetryableError,
    ServerCertificateError,
    SqlError,
    SqlMemoryError,
    SqlNotSupportedError,
    SqlSyntaxError,
    SqlTimeoutError,
    SqlUnknownColumnError,
    SqlUnknownTableError,
    StateMismatchError,
    TokenExpiredError,
    TooMuchDataError,
    TransientError,
    TransportError,
    UnknownColumnError,
    UnknownPropertyError,
    UnknownTableError,
    UsageError,
    WebhookSubscriptionError,
    WriteError,
    WriteScopeError,
    WriteTargetError,
)
from .sql import entry as sql

if _TYPE_CHECKING:
    from types import ModuleType

    from . import cache as cache
    from . import sandbox as sandbox

#: Modules reached as attributes (``instapd.cache.entries()``), imported on first use so that
#: ``import instapd`` stays cheap.
_LAZY_MODULES = ("cache", "sandbox", "webhooks")

__all__ = [
    "AccessDeniedError",
    "AccountError",
    "AppNotLiveError",
    "AuthError",
    "AuthSchemeError",
    "CallbackMismatchError",
    "CallbackVerificationError",
    "CodeExchangeError",
    "CommentRuleError",
    "Config",
    "Connection",
    "ContainerExpiredError",
    "ContainerFailedError",
    "FrameError",
    "GraphError",
    "IdMixupError",
    "IncompleteReadError",
    "InstapdError",
    "InvalidFilterError",
    "InvalidParameterError",
    "LinkedAccount",
    "LoginError",
    "LoginResult",
    "LoginTimeoutError",
    "LoginUnreachableError",
    "MediaNotFetchableError",
    "MediaSpecError",
    "MissingExtraError",
    "NetworkError",
    "NoCredentialsError",
    "NoSnapshotsError",
    "NotFoundError",
    "NotMediaError",
    "NotYoursError",
    "OfflineError",
    "PermissionDeniedError",
    "PrivateFolderError",
    "ProxyAuthError",
    "PublishError",
    "PublishRuleError",
    "PublishTimeoutError",
    "PublishingLimitError",
    "RateLimitedError",
    "RefreshTooEarlyError",
    "ResponseTooLargeError",
    "RetryableError",
    "ServerCertificateError",
    "SqlError",
    "SqlMemoryError",
    "SqlNotSupportedError",
    "SqlSyntaxError",
    "SqlTimeoutError",
    "SqlUnknownColumnError",
    "SqlUnknownTableError",
    "StateMismatchError",
    "TokenExpiredError",
    "TooMuchDataError",
    "TransientError",
    "TransportError",
    "UnknownColumnError",
    "UnknownPropertyError",
    "UnknownTableError",
    "UsageError",
    "WebhookSubscriptionError",
    "WriteError",
    "WriteScopeError",
    "WriteTargetError",
    "__version__",
    "benchmark",
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


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'instapd' has no attribute {name!r}")


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

if _TYPE_CHECKING:
    from .connection import BaseConnection


def _run_view(query: str, connection: BaseConnection) -> pd.DataFrame:
    return sql(query, connection=connection)  # type: ignore[arg-type] # an api.Connection


_use_view_runner(_run_view)  # read_instagram of a user-defined view runs its SQL
