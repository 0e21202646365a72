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

__all__ = ["FIELDS", "OBJECT", "SUBSCRIBABLE", "delivery_body", "envelope"]

#: The ``object`` of Instagram's deliveries.
OBJECT = "instagram"
#: The fields an app subscribes its ``instagram`` object to (Facebook Login's list).
SUBSCRIBABLE = (
    "comments",
    "live_comments",
    "mentions",
    "story_insights",
    "messages",
    "message_reactions",
    "messaging_seen",
    "messaging_postbacks",
)
#: Every field whose value shape instapd knows (Instagram Login's messaging fields too).
FIELDS = frozenset(
    {
        *SUBSCRIBABLE,
        "messaging_referral",
        "messaging_optins",
        "message_edit",
        "messaging_handover",
    }
)


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
