"""The ``media_insights`` reader: one row per media item, one column per metric.

Each media item is asked only the metrics valid for its surface (product type and media type)
at the connection's API version, per :mod:`instapd.catalog.metrics`. Calls go through the batch
endpoint, 50 media per request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..catalog.metrics import media_metrics_for
from ..errors import GraphError
from .batched import pages_of_many
from .context import ReadContext, Row
from .ops import Op, run
from .walk import time_params

_LISTING_FIELDS = "id,media_type,media_product_type,timestamp"


def read(ctx: ReadContext) -> Iterator[Row]:
    media: list[Row] = []
    chosen = ctx.query.filters.get("metrics")
    wanted = tuple(chosen) if chosen else None

    def ops() -> Iterator[Op]:  # produced while the listing pages; batches leave as they fill
        for row in _media(ctx):
            media.append(row)
            metrics = media_metrics_for(
                ctx.version, row.get("media_product_type", ""), row.get("media_type", ""), wanted
            )
            if metrics:
                yield Op(row["media_id"], metrics)

    values: dict[str, dict[str, Any]] = {}
    for op, body in run(ctx, ops()):
        for entry in body.get("data") or []:
            points = entry.get("values") or [{}]
            values.setdefault(op.owner, {})[entry["name"]] = points[0].get("value")
    for row in media:
        yield {**row, **values.get(row["media_id"], {})}


def _media(ctx: ReadContext) -> Iterator[Row]:
    """The media to read, restricted to the table's surfaces."""
    surfaces = ctx.query.table.options.get("surfaces")
    for row in _listing(ctx):
        surface = f"{row.get('media_product_type')}:{row.get('media_type')}"
        if surfaces is None or surface in surfaces:
            yield row


def _listing(ctx: ReadContext) -> Iterator[Row]:
    edge = ctx.query.table.options.get("edge", "media")
    ids = ctx.query.filters.get("media_id")
    owner = ctx.accounts[0] if ctx.accounts else None
    if ids:
        outcomes = ctx.client.batch([(i, {"fields": _LISTING_FIELDS}) for i in ids])
        for media_id, outcome in zip(ids, outcomes, strict=True):
            if isinstance(outcome, GraphError):
                ctx.skip(media_id, outcome)
            else:
                yield _row(outcome, owner)
        return
    params: dict[str, Any] = {"fields": _LISTING_FIELDS, "limit": ctx.page_size}
    if edge == "media":
        params.update(time_params(ctx.query))
    if len(ctx.accounts) == 1:
        every = [ctx.client.pages(f"{ctx.accounts[0]}/{edge}", params)]
    else:  # every account's listing, a level of pages at a time, in batch requests
        every = pages_of_many(ctx.client, [(f"{a}/{edge}", params) for a in ctx.accounts])
    for account, pages in zip(ctx.accounts, every, strict=True):
        for page in pages:
            for item in page.data:
                yield _row(item, account)


def _row(item: dict[str, Any], account: str | None) -> Row:
    return {
        "business_account_id": account,
        "media_id": str(item["id"]),
        "media_type": item.get("media_type"),
        "media_product_type": item.get("media_product_type"),
        "timestamp": item.get("timestamp"),
    }
