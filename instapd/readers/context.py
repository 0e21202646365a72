"""What every reader gets: the client, the validated query, the accounts, and a skip log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import GraphError, PermissionDeniedError
from ..graph import GraphClient
from .query import Query

Row = dict[str, Any]


@dataclass(frozen=True)
class Skip:
    """An object (or one of its metrics) the API refused; its cells stay NA."""

    object_id: str
    error: GraphError


@dataclass
class ReadContext:
    client: GraphClient
    query: Query
    accounts: list[str]
    version: str
    page_size: int = 100
    skipped: list[Skip] = field(default_factory=list)
    retention_cut: bool = False  # Meta refused the oldest part of the range

    @property
    def strict(self) -> bool:
        return bool(self.query.filters.get("on_error") == "raise")

    _granted: frozenset[str] | None = field(default=None, repr=False)

    def skip(self, object_id: str, error: GraphError) -> None:
        """Record a per-object refusal, or raise it when the read is strict.

        A missing scope is no per-object refusal: it raises :class:`PermissionDeniedError`
        naming the scope, whatever ``on_error`` says.
        """
        if isinstance(error, PermissionDeniedError):
            missing = self.missing_scopes(error)
            if missing or (error.code or 0) in range(200, 300):
                raise PermissionDeniedError(error.message, scopes=missing, **error.details)
        if self.strict:
            raise error
        self.skipped.append(Skip(object_id, error))

    def missing_scopes(self, error: PermissionDeniedError) -> tuple[str, ...]:
        """The table's scopes the token lacks, when ``error`` is about them.

        Codes 200-299 always mean a permission not granted. Code 10 also marks per-object
        refusals (a story with too few viewers), so the token's grants are asked once
        (``me/permissions``) to tell the two apart.
        """
        needed = self.query.table.scopes
        if self._granted is None:
            try:
                answer = self.client.get("me/permissions")
                self._granted = frozenset(
                    str(p.get("permission"))
                    for p in answer.get("data") or []
                    if isinstance(p, dict) and p.get("status") == "granted"
                )
            except GraphError:
                self._granted = frozenset(needed)  # unknown: do not claim a scope is missing
        missing = tuple(s for s in needed if s not in self._granted)
        return missing or (needed if (error.code or 0) in range(200, 300) else ())


Reader = Callable[[ReadContext], Iterator[Row]]
