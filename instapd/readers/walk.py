"""The ``walk`` reader: follow a catalog entry's hops and yield raw rows. No pandas here.

Nested hops are asked for inline through field expansion, so ``Comments`` for a whole account
costs one request per page of media, plus one batch request per level of overflow (the next
pages of every thread of more than 50 comments, 50 a batch), not one per media.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from ..catalog import Hop, Table
from ..errors import GraphError
from ..graph import GraphClient
from ..graph.client import Page
from .batched import as_request, pages_of_many
from .context import ReadContext, Row
from .query import Query


@dataclass(frozen=True)
class Root:
    """Where a walk starts (a node id, or ``me``) and the key columns its rows inherit."""

    node: str
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Everything a walk needs, decided before the first request."""

    table: Table
    roots: Sequence[Root]
    start: int
    fields: Sequence[str]
    page_size: int = 100
    time_params: dict[str, int] = field(default_factory=dict)
    concurrent_roots: bool = False  # only when no row limit asks to stop early


def field_expression(table: Table, names: Sequence[str]) -> list[str]:
    """The ``fields`` for columns: ``from.id`` and ``from.username`` -> ``from{id,username}``."""
    grouped: dict[str, list[str]] = {}
    for name in names:
        path = table.column(name).path
        if path is None:
            continue
        grouped.setdefault(path[0], [])
        if len(path) > 1 and path[1] not in grouped[path[0]]:
            grouped[path[0]].append(path[1])
    return [top + ("{" + ",".join(sub) + "}" if sub else "") for top, sub in grouped.items()]


def walk(client: GraphClient, plan: Plan) -> Iterator[Row]:
    """Every row of the plan, in order, lazily: stop iterating and no further page is fetched.

    Pages of the first hop are fetched one after another (each needs the previous cursor); the
    overflow of nested edges (a thread with more than 50 comments) is fetched meanwhile on the
    client's pool, so it never holds up the next page. With ``plan.concurrent_roots`` (no row
    limit), the roots (several accounts, several media) are paged together, each level of
    pages for every root in batch requests (:mod:`.batched`); rows still come root by root.
    """
    hops = plan.table.hops[plan.start :]
    leaf = ",".join(plan.fields)
    if not hops:
        yield from _nodes(client, plan.roots, leaf)
        return
    first = hops[0]
    params: dict[str, Any] = {
        "fields": _nested(hops[1:], leaf, plan.time_params),
        "limit": min(plan.page_size, first.cap),
    }
    if first.time_filter:
        params.update(plan.time_params)
    roots = list(plan.roots)
    if not plan.concurrent_roots:  # a row limit: lazily, so that no page past it is fetched
        for root in roots:
            pages = client.pages(f"{root.node}/{first.edge}", params, cursor_only=first.cursor_only)
            yield from _rows_of_pages(client, root, hops, pages)
        return
    if len(roots) == 1:
        path = f"{roots[0].node}/{first.edge}"
        every = [client.pages(path, params, cursor_only=first.cursor_only)]
    else:
        requests = [(f"{root.node}/{first.edge}", params) for root in roots]
        every = pages_of_many(client, requests, cursor_only=first.cursor_only)
    if len(hops) == 1:
        for root, pages in zip(roots, every, strict=True):
            yield from _rows_of_pages(client, root, hops, pages)
        return
    tops = [
        (root.keys, item)
        for root, pages in zip(roots, every, strict=True)
        for page in pages
        for item in page.data
    ]
    yield from _descend_many(client, tops, hops)


def _descend_many(
    client: GraphClient, items: list[tuple[dict[str, str], Row]], hops: Sequence[Hop]
) -> Iterator[Row]:
    """The rows below ``items`` (with the keys each inherits), level by level: the overflow
    pages of every item's nested edge (a thread of more than 50 comments) go out together in
    batch requests, each level for all of them. Rows come in the order :func:`_descend` gives."""
    for level in range(len(hops) - 1):
        key, edge = hops[level].key, hops[level + 1].edge
        blocks = [
            ({**keys, key: str(item["id"])} if key else keys, item.get(edge) or {})
            for keys, item in items
        ]
        links = [
            (i, as_request(str(link)))
            for i, (_, block) in enumerate(blocks)
            if (link := (block.get("paging") or {}).get("next"))
        ]
        overflow = dict(
            zip(
                (i for i, _ in links),
                pages_of_many(client, [request for _, request in links]) if links else [],
                strict=True,
            )
        )
        items = [
            (keys, child)
            for i, (keys, block) in enumerate(blocks)
            for child in chain(
                block.get("data") or [], (c for page in overflow.get(i, ()) for c in page.data)
            )
        ]
    for keys, item in items:
        yield {**keys, **item}


def _rows_of_pages(
    client: GraphClient, root: Root, hops: Sequence[Hop], pages: Iterator[Page]
) -> Iterator[Row]:
    if len(hops) == 1:
        yield from ({**root.keys, **item} for page in pages for item in page.data)
        return
    pending: deque[Future[list[Row]]] = deque()
    try:
        for page in pages:
            for item in page.data:
                pending.append(client.pool.submit(_rows_below, client, item, hops, root.keys))
            while pending and pending[0].done():
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def _nodes(client: GraphClient, roots: Sequence[Root], leaf: str) -> Iterator[Row]:
    """Node reads (a profile, media by id): one batch request for up to 50 of them."""
    outcomes = client.batch([(root.node, {"fields": leaf}) for root in roots])
    for root, outcome in zip(roots, outcomes, strict=True):
        if isinstance(outcome, GraphError):
            raise outcome
        yield {**root.keys, **outcome}


def _rows_below(
    client: GraphClient, item: Row, hops: Sequence[Hop], keys: dict[str, str]
) -> list[Row]:
    return list(_descend(client, item, hops, 0, keys))


def _nested(hops: Sequence[Hop], leaf: str, time_params: dict[str, int]) -> str:
    """``id,comments.limit(50){id,replies.limit(50){<leaf>}}`` for the hops below the request."""
    if not hops:
        return leaf
    hop = hops[0]
    modifiers = f".limit({hop.cap})"
    if hop.time_filter:
        modifiers += "".join(f".{k}({v})" for k, v in time_params.items())
    return f"id,{hop.edge}{modifiers}{{{_nested(hops[1:], leaf, time_params)}}}"


def _descend(
    client: GraphClient, item: Row, hops: Sequence[Hop], level: int, keys: dict[str, str]
) -> Iterator[Row]:
    if level == len(hops) - 1:
        yield {**keys, **item}
        return
    key = hops[level].key
    if key:
        keys = {**keys, key: str(item["id"])}
    for child in client.follow(item.get(hops[level + 1].edge)):
        yield from _descend(client, child, hops, level + 1, keys)


def read(ctx: ReadContext) -> Iterator[Row]:
    """The rows of a hop-walking table, with the filters the API cannot apply done here."""
    query, table = ctx.query, ctx.query.table
    pushed = pushed_filter(query)
    local_ids = {k: set(v) for k, v in query.id_filters.items() if k != pushed}
    for row in walk(ctx.client, plan(query, ctx.accounts, ctx.page_size)):
        if table.scope == "linked":
            linked = (row.get("instagram_business_account") or {}).get("id")
            if linked not in ctx.accounts:
                continue
            row = {**row, "business_account_id": linked}
        if all(str(row.get(k)) in ids for k, ids in local_ids.items()):
            yield row


def plan(query: Query, accounts: list[str], page_size: int) -> Plan:
    """Roots, start level, fields and pushed-down time range for a query."""
    table = query.table
    fetched = list(query.columns)
    if table.linked_column:
        fetched.append(table.linked_column)
    if table.time_column and (query.since is not None or query.until is not None):
        fetched.append(table.time_column)
    fields = field_expression(table, fetched) or ["id"]
    return Plan(
        table,
        _roots(query, accounts),
        _start(query),
        fields,
        page_size,
        time_params(query),
        concurrent_roots=query.limit is None,
    )


def time_params(query: Query) -> dict[str, int]:
    """``since``/``until`` as the API takes them: Unix seconds, widened to whole seconds."""
    params = {}
    if query.since is not None:
        params["since"] = math.floor(query.since.timestamp())
    if query.until is not None:
        params["until"] = math.ceil(query.until.timestamp())
    return params


def _start(query: Query) -> int:
    levels = [query.table.start_level(name) for name in query.id_filters]
    return max(levels, default=0)


def pushed_filter(query: Query) -> str | None:
    """The id filter the walk starts from: the deepest one given."""
    ids = query.id_filters
    return max(ids, key=query.table.start_level) if ids else None


def _roots(query: Query, accounts: list[str]) -> list[Root]:
    table = query.table
    if table.scope != "account":
        return [Root("me")]
    name = pushed_filter(query)
    if name is None:
        return [Root(a, {"business_account_id": a}) for a in accounts]
    owner = {"business_account_id": accounts[0]} if accounts else {}
    return [Root(node, {**owner, name: node}) for node in query.id_filters[name]]
