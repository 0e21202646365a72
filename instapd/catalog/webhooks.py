"""The shape of a webhook delivery, as data both the sandbox (which sends them) and the
receiver (which reads them) use: Meta's envelope, webhooks reference A3.

::

    {"object": "instagram",
     "entry": [{"id": "<ig-user-id>", "time": <unix seconds>,
                "changes": [{"field": "comments", "value": {...}}]}]}

Messaging fields carry ``entry[].messaging[]`` instead of ``changes``. ``time`` is when Meta
*sent* the notification, so a redelivery has another.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["OBJECT", "delivery_body", "envelope"]

#: The ``object`` of Instagram's deliveries.
OBJECT = "instagram"


def envelope(account: str, time: int, changes: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """One entry for ``account`` sent at ``time`` holding ``changes`` (field, value pairs)."""
    entry = {
        "id": account,
        "time": time,
        "changes": [{"field": field, "value": value} for field, value in changes],
    }
    return {"object": OBJECT, "entry": [entry]}


def delivery_body(account: str, time: int, changes: Iterable[tuple[str, Any]]) -> bytes:
    """The raw body Meta POSTs (JSON, non-ASCII escaped as Meta escapes it)."""
    return json.dumps(envelope(account, time, changes)).encode()
