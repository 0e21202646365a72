"""The process's default connection, as a hook the layers below the entry points can call.

:mod:`instapd.api.connection` owns the default (built from the environment, what
``pd.read_instagram`` uses) and registers its ``default_connection`` here when it is imported;
lower layers (the widgets) call :func:`default_connection` without importing upward.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import UsageError
from .core import BaseConnection

__all__ = ["default_connection", "register_default"]

_provider: Callable[[], BaseConnection] | None = None


def register_default(provider: Callable[[], BaseConnection]) -> None:
    """Let ``provider`` answer :func:`default_connection` (the entry points call this)."""
    global _provider
    _provider = provider


def default_connection() -> BaseConnection:
    """instapd's default connection, the one calls without ``connection=`` use."""
    if _provider is None:  # pragma: no cover - ``import instapd`` imports the entry points first
        raise UsageError("instapd has no default connection; pass connection=instapd.connect().")
    return _provider()
