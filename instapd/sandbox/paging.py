"""Cursor paging as the Graph API does it: opaque cursors, per-edge caps, absolute links."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .call import Call, query_string
from .failures import GraphFailure
from .fields import FieldRequest, format_fields
from .nodes import Node
from .schema import EdgeType

DEFAULT_LIMIT = 25


def encode_cursor(node_id: str) -> str:
    return base64.urlsafe_b64encode(f"cursor:{node_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    if not text.startswith("cursor:"):
        raise GraphFailure(100, "(#100) The cursor specified is invalid")
    return text.removeprefix("cursor:")


def parse_time(value: str, name: str) -> datetime:
    """``since``/``until``: a Unix timestamp or a date/time string, as strtotime takes them."""
    try:
        if re.fullmatch(r"-?\d+", value):
            return datetime.fromtimestamp(int(value), UTC)
        parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise GraphFailure(
            100, f"(#100) The parameter {name} must be a unix timestamp or a strtotime string"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def page_limit(value: str | None, cap: int) -> int:
    """The ``limit`` modifier: 25 when absent, refused when not positive or above the cap."""
    if value is None:
        return DEFAULT_LIMIT
    if not value.isdigit() or int(value) == 0:
        raise GraphFailure(100, "(#100) Param limit must be a positive integer")
    if int(value) > cap:
        raise GraphFailure(100, f"(#100) The 'limit' parameter should not exceed {cap}")
    return int(value)


def time_filtered(items: list[Node], modifiers: dict[str, str]) -> list[Node]:
    if "since" in modifiers:
        since = parse_time(modifiers["since"], "since")
        items = [i for i in items if i.values["timestamp"] >= since]
    if "until" in modifiers:
        until = parse_time(modifiers["until"], "until")
        items = [i for i in items if i.values["timestamp"] <= until]
    return items


@dataclass(frozen=True)
class Window:
    """One page of an edge: its items, where it starts, its limit, and how many items in all."""

    page: list[Node]
    start: int
    limit: int
    total: int


def window(items: list[Node], modifiers: dict[str, str], edge_type: EdgeType) -> Window:
    """The page ``modifiers`` (limit, after, before, since, until) select from ``items``."""
    if edge_type.time_filter:
        items = time_filtered(items, modifiers)
    limit = page_limit(modifiers.get("limit"), edge_type.cap)
    start, stop = 0, len(items)
    positions = {item.id: i for i, item in enumerate(items)}
    if "after" in modifiers:
        start = positions.get(decode_cursor(modifiers["after"]), len(items) - 1) + 1
    if "before" in modifiers:
        stop = positions.get(decode_cursor(modifiers["before"]), 0)
        start = max(0, stop - limit)
    return Window(items[start : min(stop, start + limit)], start, limit, len(items))


def paging_block(
    node_id: str,
    edge: str,
    edge_type: EdgeType,
    shown: Window,
    modifiers: dict[str, str],
    subfields: list[FieldRequest] | None,
    call: Call,
    *,
    nested: bool,
) -> dict[str, Any]:
    """The ``paging`` object of a non-empty page: cursors, and ``next``/``previous`` links."""
    page = shown.page
    cursors = {"before": encode_cursor(page[0].id), "after": encode_cursor(page[-1].id)}
    paging: dict[str, Any] = {"cursors": cursors}
    if edge_type.urls_in_paging:
        query = _link_query(modifiers, subfields, call, nested)
        if shown.start + len(page) < shown.total:
            after = {**query, "limit": str(shown.limit), "after": cursors["after"]}
            paging["next"] = _link(node_id, edge, after, call)
        if shown.start > 0:
            before = {**query, "limit": str(shown.limit), "before": cursors["before"]}
            paging["previous"] = _link(node_id, edge, before, call)
    return paging


def _link_query(
    modifiers: dict[str, str], subfields: list[FieldRequest] | None, call: Call, nested: bool
) -> dict[str, str]:
    query: dict[str, str] = {}
    if call.token_value:
        query["access_token"] = call.token_value  # the real API echoes it, so must we
    query["pretty"] = "0"
    if subfields is not None:
        query["fields"] = format_fields(subfields)
    for key in ("since", "until"):
        if key in modifiers:
            query[key] = modifiers[key]
    if not nested and "appsecret_proof" in call.params:
        query["appsecret_proof"] = call.params["appsecret_proof"]
    return query


def _link(node_id: str, edge: str, query: dict[str, str], call: Call) -> str:
    return f"{call.root}/{call.version}/{node_id}/{edge}?{query_string(query)}"
