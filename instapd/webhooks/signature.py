"""Meta's signature on a delivery: ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the
raw request body keyed with the app secret (never of a re-serialised body)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from ..catalog.webhooks import delivery_body

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends with ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def is_signed(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is ``body``'s signature, compared in constant time."""
    if not header or not header.startswith(PREFIX):
        return False
    return hmac.compare_digest(sign(body, app_secret).encode(), header.strip().lower().encode())


def signed_delivery(
    changes: Iterable[tuple[str, Any]],
    app_secret: str,
    *,
    account: str = "17841400000000001",
    time: int = 1_755_779_280,
) -> tuple[bytes, dict[str, str]]:
    """A delivery of ``changes`` (field, value pairs) for ``account`` as Meta POSTs it: the raw
    body and its headers, signed with ``app_secret``. For tests, benchmarks and replays."""
    body = delivery_body(account, time, changes)
    return body, {HEADER: sign(body, app_secret), "Content-Type": "application/json"}
