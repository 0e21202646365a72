"""The Instagram accounts a Business Manager portfolio owns, and those it manages for clients.

Meta's business asset edges: ``/{business-id}/owned_instagram_accounts`` and
``/{business-id}/client_instagram_accounts`` (both lists of IG users; they need
``business_management``). Without a business id, the token user's businesses
(``/me/businesses``) are listed. Every edge of every business is paged together, in batch
requests. A system user's token (Business Manager > System users), which never expires, reads
them as a person's does.
"""

from __future__ import annotations

import pandas as pd

from ..connection import BaseConnection
from ..connection.accounts import answered_id
from ..errors import PermissionDeniedError
from ..readers.batched import pages_of_many
from ..validation import graph_id

EDGES = {"owned_instagram_accounts": "owned", "client_instagram_accounts": "client"}
BUSINESS_COLUMNS = {
    "business_id": "string",
    "business_name": "string",
    "business_account_id": "string",
    "username": "string",
    "name": "string",
    "relation": "string",
    "permitted_tasks": "string",
}
_FIELDS = "id,username,name"
#: Fields each edge's accounts are asked for: a client's also say what it lets the agency do.
_EDGE_FIELDS = {
    "owned_instagram_accounts": _FIELDS,
    "client_instagram_accounts": f"{_FIELDS},permitted_tasks",
}
_SCOPE = ("business_management",)


def business_accounts(connection: BaseConnection, business: str | None = None) -> pd.DataFrame:
    """One row per Instagram account of ``business`` (default: each of the user's businesses):
    ``relation`` is ``owned`` or ``client``; ``permitted_tasks``, for a client's account, the
    tasks the client lets the business do with it, comma-separated (``ANALYZE,MANAGE``), and
    ``<NA>`` for an owned one (its owner may do everything). Pass
    ``list(frame.business_account_id)`` as ``account=`` to read or snapshot them."""
    client = connection.client
    try:
        if business is None:
            businesses = [
                (answered_id(item.get("id"), "a business"), str(item.get("name") or ""))
                for page in client.pages("me/businesses", {"fields": "id,name", "limit": 100})
                for item in page.data
            ]
        else:
            chosen = graph_id(business, "business")
            node = client.get(chosen, {"fields": "id,name"})
            businesses = [(chosen, str(node.get("name") or ""))]
        requests = [
            (f"{bid}/{edge}", {"fields": _EDGE_FIELDS[edge], "limit": 100})
            for bid, _ in businesses
            for edge in EDGES
        ]
        every = pages_of_many(client, requests)
        rows = []
        for (path, _), pages in zip(requests, every, strict=True):
            bid, edge = path.split("/")
            name = dict(businesses)[bid]
            for page in pages:
                for item in page.data:
                    rows.append(
                        {
                            "business_id": bid,
                            "business_name": name,
                            "business_account_id": answered_id(item.get("id"), "an IG user"),
                            "username": item.get("username"),
                            "name": item.get("name"),
                            "relation": EDGES[edge],
                            "permitted_tasks": _tasks(item.get("permitted_tasks")),
                        }
                    )
    except PermissionDeniedError as exc:
        raise PermissionDeniedError(
            f"{exc.message}. Business Manager's accounts need the business_management "
            "permission: log in with it, or use a system user's token that has it.",
            scopes=_SCOPE,
            **exc.details,
        ) from None
    return pd.DataFrame(rows, columns=list(BUSINESS_COLUMNS)).astype(BUSINESS_COLUMNS)


def _tasks(value: object) -> str | None:
    """Meta's ``permitted_tasks`` list as one comma-separated text (``None`` when absent)."""
    if not isinstance(value, list):
        return None
    return ",".join(str(task) for task in value)
