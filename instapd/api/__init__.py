"""The entry points, one module per job: :mod:`~instapd.api.connection` (``connect``,
:class:`Connection`, the default connection), :mod:`~instapd.api.reads`,
:mod:`~instapd.api.writes`, :mod:`~instapd.api.publishing`, :mod:`~instapd.api.snapshots`,
:mod:`~instapd.api.login` and :mod:`~instapd.api.sandbox` (the embedded sandboxes). Here the
layers meet; ``instapd/__init__`` exports the public names."""

from __future__ import annotations

from .connection import Connection, connect, default_connection, set_default_connection
from .login import LoginResult, in_notebook, login, logout
from .publishing import publish, publish_container
from .reads import business_accounts, health, read_instagram
from .sandbox import shared_sandbox
from .snapshots import benchmark, history, snapshot
from .writes import delete, insert, update

__all__ = [
    "Connection",
    "LoginResult",
    "benchmark",
    "business_accounts",
    "connect",
    "default_connection",
    "delete",
    "health",
    "history",
    "in_notebook",
    "insert",
    "login",
    "logout",
    "publish",
    "publish_container",
    "read_instagram",
    "set_default_connection",
    "shared_sandbox",
    "snapshot",
    "update",
]
