"""``GET /?ids=a,b&fields=...``: several objects in one read, keyed by id.

Meta retired multi-id reads in v26.0 (and for new apps on every version from 2026-11-04), so the
sandbox answers them up to v25 and refuses them from v26 on; clients such as python-facebook's
``get_batch`` still send them. At most 50 ids; one unknown id fails the whole read (#803).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .failures import GraphFailure
from .schema import NODE_TYPES

if TYPE_CHECKING:
    from .app import SandboxApp, _Call

MAX_IDS = 50
LAST_VERSION = 25


def multi_id_read(app: SandboxApp, call: _Call) -> dict[str, Any]:
    """The objects named by ``ids``, each rendered as a read of the object alone would be."""
    if int(call.version[1:].split(".")[0]) > LAST_VERSION:
        raise GraphFailure(
            100, f"(#100) Multi-ID requests are not supported from v{LAST_VERSION + 1}.0: "
            "read each object, or send a batch request"
        )  # fmt: skip
    ids = list(dict.fromkeys(i.strip() for i in call.params["ids"].split(",") if i.strip()))
    if len(ids) > MAX_IDS:
        raise GraphFailure(100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(ids)}.")
    missing = [i for i in ids if app.data.get(i) is None]
    if missing or not ids:
        raise GraphFailure(
            803, f"(#803) Some of the aliases you requested do not exist: {','.join(missing)}"
        )
    fields = app._parse_fields(call.params.get("fields"))
    out = {}
    for node_id in ids:
        node = app.data[node_id]
        app._require(call.token, NODE_TYPES[node.type].scopes)
        out[node_id] = app._render_node(node, fields, call, listed=False)
    return out
