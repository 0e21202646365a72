"""Readers: how each kind of table fetches its rows. HTTP through the client; no pandas.

A catalog entry names its reader (``Table.reader``); adding a table of a known kind is adding
an entry. Every reader takes a :class:`ReadContext` and yields plain row dicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..errors import NotFoundError, NotYoursError, warn
from ..graph.throttle import step_paced
from . import account_insights, discovery, media_insights, walk
from .context import ReadContext, Reader, Row, Skip
from .ops import RetentionWarning, warn_retention

__all__ = [
    "READERS",
    "ReadContext",
    "RetentionWarning",
    "Row",
    "Skip",
    "read_rows",
    "warn_skipped",
]

READERS: dict[str, Reader] = {
    "walk": walk.read,
    "account_insights": account_insights.read_wide,
    "account_totals": account_insights.read_totals,
    "audience": account_insights.read_audience,
    "online_followers": account_insights.read_online_followers,
    "media_insights": media_insights.read,
    **discovery.READERS,
}


def read_rows(context: ReadContext) -> Iterator[Row]:
    """The reader's rows; another account's object (100/33) raises at once, naming the account."""
    first_end: str | None = None
    try:
        for row in _paced(context):
            end = row.get("end_time")
            if isinstance(end, str) and (first_end is None or end < first_end):
                first_end = end
            yield row
        if context.retention_cut:
            warn_retention(context.query.table.name, first_end)
    except NotYoursError:
        raise
    except NotFoundError as exc:
        if (exc.code, exc.subcode) != (100, 33):
            raise
        raise NotYoursError(exc.message, accounts=tuple(context.accounts), **exc.details) from None


def _paced(context: ReadContext) -> Iterator[Row]:
    """The reader's rows, its requests paced as its account's when it reads one account (the
    account is set around each step, never across a ``yield``)."""
    rows = READERS[context.query.table.reader](context)
    if len(context.accounts) != 1:  # many accounts: each operation names its own
        yield from rows
        return
    account = context.accounts[0]
    while True:
        row = step_paced(rows, account)
        if row is None:
            return
        yield row


class SkippedWarning(UserWarning):
    """Some objects or metrics were refused by the API; their cells are NA."""


def warn_skipped(table: str, skipped: list[Skip]) -> None:
    """One warning that sums up what a read skipped and why."""
    if not skipped:
        return
    reasons = Counter(
        f"{s.error.message} (code {s.error.code}"
        + (f"/{s.error.subcode})" if s.error.subcode else ")")
        for s in skipped
    )
    objects = len({s.object_id for s in skipped})
    lines = "; ".join(f"{n} x {reason}" for reason, n in reasons.most_common())
    warn(
        f"{table}: {objects} object(s) had values the API refused; those cells are NA. "
        f"{lines}. Pass on_error='raise' to fail instead.",
        SkippedWarning,
    )
