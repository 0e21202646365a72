"""The shapes of catalog entries. Data only: no I/O, no pandas.

A table is read by walking *hops* from a root node: ``Comments`` is the account's ``media`` edge,
then each media's ``comments`` edge. The walk asks for nested hops through field expansion
(``media{comments.limit(50){...}}``), so a whole tree comes back in few requests. A filter named
after a hop's key (``media_id=``) starts the walk below that hop instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: Column types and the pandas dtype each becomes (see :mod:`instapd.frames`).
ColumnType = Literal["id", "string", "datetime", "int", "float", "bool", "list"]
#: Where a walk starts: the account node, the token's user (``me``), or ``me`` filtered to the
#: chosen accounts' rows.
Scope = Literal["account", "user", "linked"]


@dataclass(frozen=True)
class Column:
    """A frame column; ``source`` is the dotted Graph field path it is read from.

    ``source=None`` marks a column instapd fills in itself (``business_account_id``, parent ids).
    """

    name: str
    type: ColumnType
    description: str
    source: str | None = "="

    @property
    def path(self) -> tuple[str, ...] | None:
        if self.source is None:
            return None
        return tuple((self.name if self.source == "=" else self.source).split("."))


FilterKind = Literal["ids", "choice", "list", "text"]


@dataclass(frozen=True)
class Filter:
    """A table-specific keyword of ``read_instagram`` (``media_id=``, ``period=``, ``metrics=``).

    ``ids`` take Graph ids (one or a list); ``choice`` one of ``choices``; ``list`` several of
    them; ``text`` any string. ``default`` applies when the keyword is absent.
    """

    name: str
    description: str
    kind: FilterKind = "ids"
    choices: tuple[str, ...] = ()
    default: str | tuple[str, ...] | None = None
    required: bool = False


@dataclass(frozen=True)
class Hop:
    """One edge of the walk. ``key`` names the column its items' ids fill in descendant rows."""

    edge: str
    key: str | None = None
    cap: int = 100
    time_filter: bool = False
    cursor_only: bool = False


@dataclass(frozen=True)
class Table:
    """One catalog entry: how to read a table and what its frame looks like."""

    name: str
    description: str
    columns: tuple[Column, ...]
    hops: tuple[Hop, ...]
    scopes: tuple[str, ...]
    kind: Literal["table", "view"] = "view"
    scope: Scope = "account"
    filters: tuple[Filter, ...] = ()
    time_column: str | None = None
    linked_column: str | None = None  # for scope="linked": the column holding the account id
    notes: str = ""
    reader: str = "walk"  # how rows are fetched: a name in instapd.readers
    options: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def filter(self, name: str) -> Filter:
        return next(f for f in self.filters if f.name == name)

    @property
    def depth(self) -> int:
        """Requests that must follow one another to read one account's rows (at least): a
        page of each hop (and the empty page that ends a cursor-only edge), and a media
        listing before its insights."""
        ends = sum(hop.cursor_only for hop in self.hops)
        return max(len(self.hops), 1) + ends + (self.reader == "media_insights")

    def start_level(self, filter_name: str) -> int:
        """The hop below the one whose key is ``filter_name``."""
        for index, hop in enumerate(self.hops):
            if hop.key == filter_name:
                return index + 1
        raise KeyError(filter_name)


ACCOUNT_ID = Column(
    "business_account_id", "id", "The Instagram business account the row belongs to", None
)
