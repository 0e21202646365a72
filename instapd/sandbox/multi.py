"""``GET /?ids=a,b&fields=...``: several objects in one read, keyed by id.

Meta retired multi-id reads in v26.0 (and for new apps on every version from 2026-11-04), so the
sandbox answers them up to v25 and refuses them from v26 on; clients such as python-facebook's
``get_batch`` still send them. At most 50 ids; one unknown id fails the whole read (#803).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..catalog.versions import MULTI_ID_RETIRED_IN
from .failures import GraphFailure
from .nodes import Dataset, Node

MAX_IDS = 50
LAST_VERSION = MULTI_ID_RETIRED_IN - 1


def multi_id_read(
    ids: str, version: str, data: Dataset, read_one: Callable[[Node], dict[str, Any]]
) -> dict[str, Any]:
    """The objects named by ``ids``; ``read_one`` answers each as a read of it alone would."""
    if int(version[1:].split(".")[0]) > LAST_VERSION:
        raise GraphFailure(
            100, f"(#100) Multi-ID requests are not supported from v{LAST_VERSION + 1}.0: "
            "read each object, or send a batch request"
        )  # fmt: skip
    wanted = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip()))
    if len(wanted) > MAX_IDS:
        raise GraphFailure(
            100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(wanted)}."
        )
    missing = [i for i in wanted if data.get(i) is None]
    if missing or not wanted:
        raise GraphFailure(
            803, f"(#803) Some of the aliases you requested do not exist: {','.join(missing)}"
        )
    return {node_id: read_one(data[node_id]) for node_id in wanted}
