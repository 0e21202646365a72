"""Page access tokens, as ``/me/accounts`` and ``GET /{page-id}?fields=access_token`` give them.

A Page token belongs to one of its user's Pages (``kind="PAGE"``, the Page as ``profile_id``);
its calls count against that Page's rate limit (code 32) rather than the user's. One from a
long-lived user token never expires; one from a short-lived user token ends with it. Asking
again gives the same token.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .call import Call
from .failures import NO_PERMISSION, GraphFailure
from .fields import FieldRequest
from .nodes import Dataset, Node
from .rendering import SpecialFields
from .tokens import TokenRegistry

#: A user token with less left than this is short-lived (they last 1 h), and so is its Page token.
SHORT_LIVED = 2 * 3600.0


class PageTokens:
    """Mints Page tokens, and renders the Page's ``access_token`` field (other special fields
    go to ``fallback``)."""

    def __init__(self, dataset: Dataset, tokens: TokenRegistry, fallback: SpecialFields) -> None:
        self.data, self.tokens, self.fallback = dataset, tokens, fallback
        self._issued: dict[tuple[str, str, tuple[str, ...]], str] = {}
        self._lock = threading.Lock()

    def special_field(self, node: Node, request: FieldRequest, call: Call) -> Any:
        if node.type != "Page" or request.name != "access_token":
            return self.fallback.special_field(node, request, call)
        user = self.data.get(call.token.user_id)
        pages = user.edges.get("accounts", []) if user is not None else []
        if call.token.kind == "PAGE" or node.id not in pages:
            raise GraphFailure(10, NO_PERMISSION, status=403)  # no role on this Page
        expires = call.token.expires_at
        left = None if expires is None else expires - time.time()
        lifetime = None if left is None or left > SHORT_LIVED else left
        return self.issue(call.token.user_id, node.id, call.token.scopes, lifetime)

    def issue(
        self, user_id: str, page_id: str, scopes: tuple[str, ...], lifetime: float | None
    ) -> str:
        """The Page token of ``user_id`` for ``page_id`` (the same one each time it is valid)."""
        key = (user_id, page_id, scopes)
        with self._lock:
            known = self._issued.get(key)
            found = self.tokens.lookup(known) if known else None
            if known and found is not None and not found.expired():
                return known
            value = self.tokens.issue(user_id, scopes, lifetime, kind="PAGE", profile_id=page_id)
            self._issued[key] = value
            return value
