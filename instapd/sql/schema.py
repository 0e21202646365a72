"""The tables as SQL sees them: catalog tables (under the connection's column names) and the
CData-style system tables."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from ..catalog import TABLES, Table, get_table
from ..catalog.names import column_names
from ..cdata import systables

#: Catalog column types as DuckDB types (the frames' dtypes map onto these through Arrow).
SQL_TYPES = {
    "id": "VARCHAR",
    "string": "VARCHAR",
    "datetime": "TIMESTAMPTZ",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "list": "VARCHAR[]",
}


@dataclass(frozen=True)
class SqlTable:
    """A table SQL can name. ``table`` is None for a system table; ``graph`` maps a SQL column
    name to the catalog's (they differ under ``ColumnNames=CData``)."""

    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    table: Table | None
    graph: dict[str, str]

    def graph_name(self, column: str) -> str:
        return self.graph[column]

    def sql_name(self, graph_column: str) -> str:
        return next(k for k, v in self.graph.items() if v == graph_column)


def resolve(name: str, naming: str = "Graph") -> SqlTable:
    """The table called ``name`` (any case, CData's former names too)."""
    system = systables.SYSTEM_TABLES.get(name.lower())
    if system is not None:
        columns = tuple(c for c, _ in system.columns)
        types = tuple(t for _, t in system.columns)
        return SqlTable(system.name, columns, types, None, {c: c for c in columns})
    table = get_table(name)
    shown = column_names(table, naming)
    columns = tuple(shown[c.name] for c in table.columns)
    types = tuple(SQL_TYPES[c.type] for c in table.columns)
    return SqlTable(table.name, columns, types, table, {shown[c]: c for c in shown})


def names() -> list[str]:
    """Every table name SQL accepts (for close matches)."""
    return [t.name for t in TABLES.values()] + [s.name for s in systables.SYSTEM_TABLES.values()]


def close_matches(name: str) -> list[str]:
    everything = names()
    close = difflib.get_close_matches(name, everything, n=3, cutoff=0.5)
    close += [n for n in everything if name.lower() in n.lower() and n not in close]
    return close[:3]
