"""The pages of many edges at once: each level of paging, for every edge, in batch requests.

Reading a table of many accounts one account at a time costs a round trip per page per account.
Here the first page of every account's edge goes out in batch requests (50 operations each),
then every next page, and so on: a thousand accounts cost about as many round trips as one.
Each operation's usage headers pace its own account (see :meth:`GraphClient.batch`). An edge
whose operation fails goes on unbatched from where it stopped, when its pages are read, so it
meets the same retries, smaller pages and errors as a read of that account alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import GraphError, TransientError
from ..graph import GraphClient
from ..graph.client import MAX_PAGES, Page

Request = tuple[str, Mapping[str, Any]]
_VERSION = re.compile(r"v\d+\.\d+")
_SECRETS = ("access_token", "appsecret_proof")


def pages_of_many(
    client: GraphClient, requests: Sequence[Request], *, cursor_only: bool = False
) -> list[Iterator[Page]]:
    """For each ``(path, params)``, an iterator over every page of that edge, in order.

    All levels are fetched before this returns (batched); an edge that failed resumes lazily,
    unbatched, when its iterator reaches the failure (a page too big is asked again smaller
    there, as :meth:`GraphClient.pages` does).
    """
    read: list[list[Page]] = [[] for _ in requests]
    rest: list[Iterator[Page]] = [iter(()) for _ in requests]
    level = [(i, str(path), dict(params)) for i, (path, params) in enumerate(requests)]
    for _ in range(MAX_PAGES):
        if not level:
            break
        outcomes = client.batch([(path, params) for _, path, params in level], paged=True)
        following = []
        for (i, path, params), outcome in zip(level, outcomes, strict=True):
            if isinstance(outcome, GraphError):  # on its own, as an unbatched read would
                rest[i] = client.pages(path, params, cursor_only=cursor_only)
                continue
            page = Page(list(outcome.get("data") or []), dict(outcome.get("paging") or {}))
            read[i].append(page)
            after = _next(path, params, page, cursor_only)
            if after is not None:
                following.append((i, *after))
        level = following
    else:
        raise TransientError(f"Stopped after {MAX_PAGES} pages: the API kept sending more")
    return [chain(pages, more) for pages, more in zip(read, rest, strict=True)]


def _next(
    path: str, params: dict[str, Any], page: Page, cursor_only: bool
) -> tuple[str, dict[str, Any]] | None:
    """The request for the page after ``page``, as a relative path and its parameters."""
    link = page.paging.get("next")
    if link:
        return as_request(str(link))
    after = (page.paging.get("cursors") or {}).get("after")
    if cursor_only and page.data and after:
        return path, {**params, "after": after}
    return None


def as_request(link: str) -> tuple[str, dict[str, Any]]:
    """A paging link as a batch operation takes it: the path without its version, the query
    without any token the API echoed."""
    parts = urlsplit(link)
    segments = [s for s in parts.path.split("/") if s]
    if segments and _VERSION.fullmatch(segments[0]):
        segments = segments[1:]
    query = {k: v for k, v in parse_qsl(parts.query) if k not in _SECRETS}
    return "/".join(segments), query
