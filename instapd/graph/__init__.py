"""HTTP to the Graph API: sessions, paging, retries and typed errors. Knows nothing of pandas.

Every request goes through :mod:`.send` (the one send path); :mod:`.client` builds reads,
batches, writes and uploads on it; :mod:`.wsgi` is a transport that serves a WSGI app
in-process.

``GraphClient`` and ``RetryPolicy`` load :mod:`.client` (requests, tenacity) on first use, so
``import instapd`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import GraphClient, RetryPolicy

__all__ = ["GraphClient", "RetryPolicy"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
