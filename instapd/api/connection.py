"""``connect``, :class:`Connection` and the process's default connection.

:class:`Connection` adds to the connection layer's :class:`~instapd.connection.BaseConnection`
what only the top may know: reading tables (:mod:`instapd.io`), writing and publishing, the
CData procedures, the cache as the linked-accounts memo, and the embedded sandbox that
``INSTAPD_SANDBOX=1`` starts (the connection itself only gets its URL).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..connection import AccountMemo, BaseConnection, LocalApi
from ..connection.default import register_default
from ..connection.views import read_view, user_views
from ..errors import UsageError
from .sandbox import shared_sandbox

if TYPE_CHECKING:
    import pandas as pd

    from ..sandbox import Sandbox

__all__ = ["Connection", "connect", "default_connection", "set_default_connection"]


class Connection(BaseConnection):
    """A configured way to reach the Graph API. Constructing one does no I/O.

    Use :func:`instapd.connect` to build one from CData-style properties.
    """

    def __enter__(self) -> Connection:
        return self

    def local_api(self) -> LocalApi | None:
        """The embedded sandbox, started on first use, when ``Sandbox`` is on."""
        if not self.config.sandbox:
            return None
        sandbox = self.sandbox
        return LocalApi(
            url=sandbox.url,
            token=sandbox.token,
            app_id=sandbox.oauth_app.app_id,
            app_secret=sandbox.oauth_app.app_secret,
            dialog_url=sandbox.dialog_url,
            token_url=sandbox.token_url,
        )

    def account_memo(self) -> AccountMemo:
        """The cache folder keeps the linked accounts, so offline reads can resolve them."""
        from ..cache import QueryCache

        return QueryCache(self.config.cache_location)

    def read(self, table: str, **options: Any) -> pd.DataFrame:
        """Read a table; see :func:`instapd.read_instagram` for the options."""
        from ..io import read

        view = user_views(self.config).get(str(table).lower())
        if view is not None:  # UserDefinedViews
            columns, limit = options.pop("columns", None), options.pop("limit", None)
            since, until = options.pop("since", None), options.pop("until", None)
            for flag in ("cache", "refresh", "progress", "account"):
                options.pop(flag, None)
            return read_view(view, self, columns, limit, since, until, options)
        return read(self, table, **options)

    def insert(self, table: str, rows: Any, **options: Any) -> pd.DataFrame:
        """Post comments or replies; see :func:`instapd.insert`."""
        return self._write("insert", table, rows, options)

    def update(self, table: str, rows: Any, **options: Any) -> pd.DataFrame:
        """Hide or unhide comments, turn comments on or off; see :func:`instapd.update`."""
        return self._write("update", table, rows, options)

    def delete(self, table: str, ids: Any, **options: Any) -> pd.DataFrame:
        """Delete comments, replies or media; see :func:`instapd.delete`."""
        return self._write("delete", table, ids, options)

    def _write(self, action: str, table: str, rows: Any, options: dict[str, Any]) -> pd.DataFrame:
        from ..writes import write

        return write(self, action, table, rows, **options)

    def publish(self, frame: pd.DataFrame | None = None, **options: Any) -> pd.DataFrame:
        """Publish an image, reel, carousel or story; see :func:`instapd.publish`."""
        from ..publishing import publish

        return publish(self, frame, **{k: v for k, v in options.items() if v is not None})

    def publish_container(self, container_id: str, **options: Any) -> pd.DataFrame:
        """Publish a container made with ``wait=False``; see :func:`instapd.publish_container`."""
        from ..publishing import publish_container

        return publish_container(self, container_id, **options)

    def call(self, procedure: str, **parameters: Any) -> pd.DataFrame:
        """Run a CData stored procedure: ``GetOAuthAuthorizationURL``, ``GetOAuthAccessToken``,
        ``RefreshOAuthAccessToken``. Returns a one-row DataFrame."""
        from ..cdata.procedures import call

        return call(self, procedure, parameters)

    @property
    def sandbox(self) -> Sandbox:
        """The embedded :class:`~instapd.sandbox.Sandbox` a ``connect(sandbox=True)`` connection
        reads, started on first use: its ``sample_picture_url(n)`` are pictures you may publish,
        its clock (``now``, ``advance``) is the one its data lives by.

        >>> import instapd
        >>> connection = instapd.connect(sandbox=True)
        >>> connection.sandbox.sample_picture_url(1).endswith("/samples/picture-1.jpg")
        True

        A connection to Meta has none: it raises :class:`~instapd.errors.UsageError`.
        """
        if not self.config.sandbox:
            raise UsageError(
                "This connection reads Meta's Graph API, not the sandbox: make one with "
                "instapd.connect(sandbox=True) to reach the built-in sandbox."
            )
        return shared_sandbox("instagram" if self.config.instagram_login else "facebook")


_default: Connection | None = None
_lock = threading.Lock()


def connect(connection_string: str | None = None, /, **properties: Any) -> Connection:
    """A :class:`Connection` from a CData-style connection string and/or properties.

    Properties take CData names (``OAuthAccessToken``, ``BusinessAccountId``, ...) or python ones
    (``access_token``, ``business_account_id``, ...), any case. The environment supplies defaults.
    ``session=``, ``retry=`` and ``throttle=`` pass a :class:`requests.Session`, a retry policy
    or a :class:`~instapd.graph.throttle.Throttle` through;
    ``browser=`` replaces ``webbrowser.open`` for the desktop login.
    """
    session = properties.pop("session", None)
    retry = properties.pop("retry", None)
    throttle = properties.pop("throttle", None)
    browser = properties.pop("browser", None)
    config = Config.from_properties(connection_string, **properties)
    return Connection(config, session=session, retry=retry, throttle=throttle, browser=browser)


def default_connection() -> Connection:
    """The connection calls without ``connection=`` use, built from the environment once."""
    global _default
    with _lock:
        if _default is None:
            _default = connect()
        return _default


def set_default_connection(connection: Connection | None) -> None:
    """Make ``connection`` the default (None: rebuild from the environment on next use)."""
    global _default
    if connection is not None and not isinstance(connection, BaseConnection):
        raise UsageError(
            "set_default_connection takes a Connection from instapd.connect(), or None to "
            f"rebuild it from the environment; not {type(connection).__name__}."
        )
    with _lock:
        _default = connection


register_default(default_connection)  # lower layers (the widgets) reach the default by this hook
