"""What every reader gets: the client, the validated query, the accounts, and a skip log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import GraphError
from ..graph import GraphClient
from ..query import Query

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

    @property
    def strict(self) -> bool:
        return bool(self.query.filters.get("on_error") == "raise")

    def skip(self, object_id: str, error: GraphError) -> None:
        """Record a per-object refusal, or raise it when the read is strict."""
        if self.strict:
            raise error
        self.skipped.append(Skip(object_id, error))


Reader = Callable[[ReadContext], Iterator[Row]]
