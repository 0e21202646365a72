"""Readers for mentions, hashtags and business discovery: the API's special-purpose shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import NotFoundError
from ..graph.client import MAX_PAGES
from ..graph.shrink import Shrink
from .context import ReadContext, Reader, Row
from .walk import field_expression

HASHTAG_PAGE_CAP = 50


def _fields(ctx: ReadContext) -> str:
    return ",".join(field_expression(ctx.query.table, ctx.query.columns) or ["id"])


def read_mention(ctx: ReadContext) -> Iterator[Row]:
    """``/{ig-user-id}?fields=mentioned_media.media_id(ID){...}`` for each id given."""
    field, key = ctx.query.table.options["field"], ctx.query.table.options["key"]
    account = ctx.accounts[0]
    for object_id in ctx.query.filters[key]:
        body = ctx.client.get(account, {"fields": f"{field}.{key}({object_id}){{{_fields(ctx)}}}"})
        if field in body:
            yield {"business_account_id": account, **body[field]}


def hashtag_id(ctx: ReadContext, account: str) -> str:
    name = ctx.query.filters["hashtag"]
    body = ctx.client.get("ig_hashtag_search", {"user_id": account, "q": name})
    found = body.get("data") or []
    if not found:
        raise NotFoundError(f"Instagram knows no hashtag #{name}")
    return str(found[0]["id"])


def read_hashtag_search(ctx: ReadContext) -> Iterator[Row]:
    for account in ctx.accounts:
        found = hashtag_id(ctx, account)
        yield {
            "business_account_id": account,
            "hashtag": ctx.query.filters["hashtag"],
            "hashtag_id": found,
        }


def read_hashtag_media(ctx: ReadContext) -> Iterator[Row]:
    """Top or recent media of a hashtag; pages carry an ``after`` cursor and no links."""
    edge = ctx.query.table.options["edge"]
    account = ctx.accounts[0]
    found = hashtag_id(ctx, account)
    keys = {
        "business_account_id": account,
        "hashtag": ctx.query.filters["hashtag"],
        "hashtag_id": found,
    }
    params = {
        "user_id": account,
        "fields": _fields(ctx),
        "limit": min(ctx.page_size, HASHTAG_PAGE_CAP),
    }
    for page in ctx.client.pages(f"{found}/{edge}", params, cursor_only=True):
        for item in page.data:
            yield {**keys, **item}


def _discovery(ctx: ReadContext, inner: str, shrink: Shrink | None = None) -> dict[str, Any]:
    username = ctx.query.filters["username"]
    fields = f"business_discovery.username({username}){{{inner}}}"
    if shrink is None:
        body = ctx.client.get(ctx.accounts[0], {"fields": fields})
    else:  # nested media pages: smaller ones after Meta's code 1
        shrink.fields = fields
        body = ctx.client.get_shrinking(ctx.accounts[0], {}, shrink)
    return dict(body.get("business_discovery") or {})


def read_business_discovery(ctx: ReadContext) -> Iterator[Row]:
    yield {"business_account_id": ctx.accounts[0], **_discovery(ctx, _fields(ctx))}


def read_business_discovery_media(ctx: ReadContext) -> Iterator[Row]:
    """Media pages are walked inside the expansion: ``media.after(CURSOR).limit(N){...}``;
    a time range goes in it too (``.since()``/``.until()``), so old posts are never fetched."""
    keys = {"business_account_id": ctx.accounts[0], "owner_username": ctx.query.filters["username"]}
    after = ""
    shrink = Shrink({})
    bounds = _time_modifiers(ctx)
    for _ in range(MAX_PAGES):
        cursor = f".after({after})" if after else ""
        inner = f"media{bounds}{cursor}.limit({ctx.page_size}){{{_fields(ctx)}}}"
        media = _discovery(ctx, inner, shrink).get("media") or {}
        data = media.get("data") or []
        for item in data:
            yield {**keys, **item}
        after = ((media.get("paging") or {}).get("cursors") or {}).get("after", "")
        if not data or not after:
            return


def _time_modifiers(ctx: ReadContext) -> str:
    """``.since(T).until(T)`` for the query's range, a second wider than it at the start (the
    reader keeps exactly ``[since, until)`` whatever the API's own edges are)."""
    since, until = ctx.query.since, ctx.query.until
    text = f".since({int(since.timestamp()) - 1})" if since is not None else ""
    return text + (f".until({int(until.timestamp())})" if until is not None else "")


READERS: dict[str, Reader] = {
    "mention": read_mention,
    "hashtag_search": read_hashtag_search,
    "hashtag_media": read_hashtag_media,
    "business_discovery": read_business_discovery,
    "business_discovery_media": read_business_discovery_media,
}
