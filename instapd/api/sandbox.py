"""The process's embedded sandboxes (``Sandbox=True`` / ``INSTAPD_SANDBOX=1``), started on first
use. Only the entry points start a sandbox; the layers below get its URL."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..sandbox import Sandbox

__all__ = ["shared_sandbox"]

_sandboxes: dict[str, Sandbox] = {}  # by scheme: "facebook", "instagram"
_sandbox_lock = threading.Lock()


def shared_sandbox(scheme: str = "facebook") -> Sandbox:
    """The process's embedded sandbox, started on first use (``INSTAPD_SANDBOX=1``); with
    ``scheme="instagram"``, a second one that plays Instagram Login's host."""
    with _sandbox_lock:
        if scheme not in _sandboxes:
            from ..sandbox import Sandbox

            _sandboxes[scheme] = Sandbox(scheme=scheme).start()
        return _sandboxes[scheme]
