"""What a query asks of each table it names, worked out on sqlglot's tree.

Each table reference becomes one read (:class:`Read`): the columns the query uses, equality and
``IN`` on the table's filters (and ``business_account_id`` as ``account=``), ranges on its time
column as ``since``/``until``, and ``LIMIT`` when nothing else stands between the read and it.
Pushed conditions stay in the query too, so the engine's answer is the same either way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd
from sqlglot import exp
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope

from ..errors import (
    SqlNotSupportedError,
    SqlUnknownColumnError,
    SqlUnknownTableError,
    UnknownTableError,
)
from ..readers.query import parse_time
from .schema import SqlTable, close_matches, resolve
from .statement import DIALECT

VIEW_PREFIX = "_instapd_"
_ONE_MICROSECOND = pd.Timedelta(1, "us")
Evaluate = Callable[[exp.Expression], Any]


@dataclass
class Read:
    """One table reference and what goes to ``read_instagram`` for it."""

    index: int
    table: SqlTable
    alias: str
    columns: list[str] = field(default_factory=list)  # SQL names, in table order
    filters: dict[str, tuple[str, ...] | str] = field(default_factory=dict)
    account: tuple[str, ...] | None = None
    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    limit: int | None = None
    pushed: list[str] = field(default_factory=list)  # the conditions sent, as SQL
    query: str = ""  # the statement's text, for errors that point into it

    @property
    def view(self) -> str:
        return f"{VIEW_PREFIX}{self.index}"

    def options(self) -> dict[str, Any]:
        """The keywords of ``read_instagram``."""
        table = self.table
        assert table.table is not None
        columns = [table.graph_name(c) for c in self.columns]
        options: dict[str, Any] = {"columns": columns, **self.filters}
        if self.account is not None:
            options["account"] = list(self.account)
        for name in ("since", "until", "limit"):
            if getattr(self, name) is not None:
                options[name] = getattr(self, name)
        return options


@dataclass
class Plan:
    """The reads, and the statement the engine runs over them."""

    reads: list[Read]
    statement: exp.Expression

    @property
    def sql(self) -> str:
        return self.statement.sql(dialect=DIALECT)


def plan(tree: exp.Expression, query: str, naming: str, evaluate: Evaluate) -> Plan:
    """Resolve the tables, check the columns, and find what each read can be asked."""
    reads = _bind_tables(tree, query, naming)
    analysis = tree.copy()
    for identifier in analysis.find_all(exp.Identifier):
        identifier.set("quoted", False)
    _check_qualifiers(tree, query)
    schema: dict[str, object] = {
        r.view: dict(zip(r.table.columns, r.table.types, strict=True)) for r in reads
    }
    try:
        analysis = qualify(
            analysis,
            dialect=DIALECT,
            schema=schema,
            quote_identifiers=False,
            identify=False,
            validate_qualify_columns=True,
        )
    except OptimizeError as exc:
        raise _column_error(exc, tree, query, reads) from None
    except SqlglotError as exc:
        raise SqlNotSupportedError(f"Cannot analyse the query: {exc}.", query=query) from None
    by_view = {r.view: r for r in reads}
    for scope in traverse_scope(analysis):
        _columns(scope, by_view)
        if isinstance(scope.expression, exp.Select):
            _where_and_limit(scope, by_view, evaluate)
    for read in reads:
        _finish_columns(read)
        if read.since is not None and read.until is not None and read.since >= read.until:
            # ranges that cannot meet (t > b AND t < a, a <= b): no row has such a time, so
            # read the narrowest window there is and let the engine's filter empty it
            read.until = read.since + _ONE_MICROSECOND
    return Plan(reads, tree)


# -- tables ----------------------------------------------------------------------------------


def _bind_tables(tree: exp.Expression, query: str, naming: str) -> list[Read]:
    """Name each table reference's view ``_instapd_<n>``, keeping the name as its alias."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    reads: list[Read] = []
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            start, end = _span(node)
            raise SqlNotSupportedError(
                f"Table functions such as {node.this.sql()} are not supported: name an "
                "instapd table (see sys_tables).",
                query=query,
                start=start,
                end=end,
            )
        name = node.name
        if not node.args.get("db") and name.lower() in ctes:
            continue
        try:
            table = resolve(name, naming)
        except UnknownTableError:
            close = close_matches(name)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            start, end = _span(node.this)
            raise SqlUnknownTableError(
                f"Unknown table {name!r}.{hint} SELECT TableName FROM sys_tables lists them all.",
                query=query,
                start=start,
                end=end,
            ) from None
        read = Read(len(reads), table, node.alias or name, query=query)
        reads.append(read)
        alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name))
        node.replace(exp.Table(this=exp.to_identifier(read.view), alias=alias))
    return reads


def _check_qualifiers(tree: exp.Expression, query: str) -> None:
    """``x.id`` needs a table or alias called ``x`` somewhere in the query."""
    names = {t.alias_or_name.lower() for t in tree.find_all(exp.Table)}
    names |= {t.name.lower() for t in tree.find_all(exp.Table)}
    names |= {s.alias.lower() for s in tree.find_all(exp.Subquery, exp.CTE) if s.alias}
    for column in tree.find_all(exp.Column):
        if column.table and column.table.lower() not in names:
            start, end = _span(column.args["table"])
            known = ", ".join(sorted(t.alias_or_name for t in tree.find_all(exp.Table)))
            raise SqlUnknownTableError(
                f"{column.sql(dialect=DIALECT)}: the query has no table or alias "
                f"{column.table!r}; it names {known or 'no tables'}.",
                query=query,
                start=start,
                end=end,
            )


def _span(node: exp.Expression) -> tuple[int | None, int | None]:
    meta = node.meta if node.meta.get("start") is not None else getattr(node.this, "meta", {})
    return meta.get("start"), meta.get("end")


def _column_error(
    exc: OptimizeError, tree: exp.Expression, query: str, reads: list[Read]
) -> SqlUnknownColumnError:
    text = str(exc)
    match = re.search(r"Column '([^']+)' could not be resolved|Unknown column: (\S+)", text)
    name = (match[1] or match[2]) if match else None
    if name is None:
        return SqlUnknownColumnError(f"Cannot resolve a column: {text}.", query=query)
    known = list(dict.fromkeys(c for r in reads for c in r.table.columns))
    owners = [r.alias for r in reads if name.lower() in (c.lower() for c in r.table.columns)]
    node = next(
        (c for c in tree.find_all(exp.Column) if c.name.lower() == name.lower()),
        None,
    )
    start, end = _span(node.this) if node is not None else (None, None)
    if len(owners) > 1:
        message = (
            f"Column {name!r} is in more than one table ({', '.join(owners)}): "
            f"write it with its table, such as {owners[0]}.{name}."
        )
    else:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        close += [c for c in known if c.lower() == name.lower().replace("_", "")]
        hint = f" Did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
        where = ", ".join(r.table.name for r in reads) or "the query"
        message = f"No column {name!r} in {where}.{hint}"
    return SqlUnknownColumnError(message, query=query, start=start, end=end)


# -- columns ---------------------------------------------------------------------------------


def _source_view(scope: Scope | None, alias: str) -> str | None:
    while scope is not None:
        source = scope.sources.get(alias)
        if source is not None:
            return source.name if isinstance(source, exp.Table) else None
        scope = scope.parent
    return None


def _columns(scope: Scope, by_view: dict[str, Read]) -> None:
    for column in scope.columns:
        view = _source_view(scope, column.table)
        if view in by_view:
            read = by_view[view]
            if column.name not in read.columns:
                read.columns.append(column.name)


def _finish_columns(read: Read) -> None:
    """Table order, SQL's case; at least one column so that row counts hold (``COUNT(*)``)."""
    lower = {c.lower() for c in read.columns}
    wanted = [c for c in read.table.columns if c.lower() in lower]
    read.columns = wanted or [read.table.columns[0]]
    table = read.table.table
    if table is None:
        return
    metrics = next((f for f in table.filters if f.name == "metrics"), None)
    if metrics is not None and "metrics" not in read.filters:
        chosen = [read.table.graph_name(c) for c in read.columns]
        wide = tuple(m for m in metrics.choices if m in chosen)
        every = set(metrics.choices)
        if wide and len(wide) < len(every) and every <= set(table.column_names):
            read.filters["metrics"] = wide
            read.pushed.append(f"metrics = {', '.join(wide)} (the metric columns used)")


# -- WHERE and LIMIT -------------------------------------------------------------------------

_FLIP: dict[type[exp.Expression], type[exp.Expression]] = {
    exp.GT: exp.LT,
    exp.GTE: exp.LTE,
    exp.LT: exp.GT,
    exp.LTE: exp.GTE,
    exp.EQ: exp.EQ,
}


def _conjuncts(where: exp.Where | None) -> list[exp.Expression]:
    if where is None:
        return []
    condition = where.this
    if not isinstance(condition, exp.And):
        return [condition]
    return [cast(exp.Expression, part) for part in condition.flatten()]


def _where_and_limit(scope: Scope, by_view: dict[str, Read], evaluate: Evaluate) -> None:
    select = scope.expression
    conjuncts = _conjuncts(select.args.get("where"))
    pushed_all = True
    for condition in conjuncts:
        if not _push(condition, scope, by_view, evaluate):
            pushed_all = False
    tables = [s for s in scope.sources.values() if isinstance(s, exp.Table)]
    if len(scope.sources) != 1 or len(tables) != 1 or tables[0].name not in by_view:
        return
    read = by_view[tables[0].name]
    limit = select.args.get("limit")
    if limit is None or not pushed_all or read.table.table is None:
        return
    blockers = ("joins", "group", "having", "distinct", "order", "qualify")
    if any(select.args.get(name) for name in blockers):
        return
    if any(e.find(exp.AggFunc, exp.Window) for e in select.expressions):
        return
    count = _integer(limit.expression, evaluate)
    offset_node = select.args.get("offset")
    offset = _integer(offset_node.expression, evaluate) if offset_node is not None else 0
    if count is None or offset is None or count + offset < 1:
        return
    read.limit = count + offset
    read.pushed.append(f"LIMIT {read.limit}")


def _integer(node: exp.Expression | None, evaluate: Evaluate) -> int | None:
    if node is None or not _constant(node):
        return None
    value = evaluate(node)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _constant(node: exp.Expression) -> bool:
    return node.find(exp.Column, exp.Query, exp.AggFunc, exp.Window, exp.Star) is None


def _push(
    condition: exp.Expression, scope: Scope, by_view: dict[str, Read], evaluate: Evaluate
) -> bool:
    """Push one condition down if it is a filter the read takes; True if it was."""
    kind = type(condition)
    if isinstance(condition, exp.Between):
        column, low, high = condition.this, condition.args["low"], condition.args["high"]
        return (
            _constant(low)
            and _constant(high)
            and _push_range(column, exp.GTE, low, scope, by_view, evaluate, condition)
            and _push_range(column, exp.LTE, high, scope, by_view, evaluate, None)
        )
    if isinstance(condition, exp.In):
        values = condition.expressions
        if condition.args.get("query") or not values or not all(_constant(v) for v in values):
            return False
        return _push_values(condition.this, values, scope, by_view, evaluate, condition)
    if kind not in _FLIP:
        return False
    left, right = condition.this, condition.expression
    if isinstance(right, exp.Column) and _constant(left):
        left, right, kind = right, left, _FLIP[kind]
    if not isinstance(left, exp.Column) or not _constant(right):
        return False
    if kind is exp.EQ and _push_values(left, [right], scope, by_view, evaluate, condition):
        return True
    return _push_range(left, kind, right, scope, by_view, evaluate, condition)


def _target(column: exp.Expression, scope: Scope, by_view: dict[str, Read]) -> Read | None:
    if not isinstance(column, exp.Column) or column.table not in scope.sources:
        return None
    source = scope.sources[column.table]
    if not isinstance(source, exp.Table) or source.name not in by_view:
        return None
    read = by_view[source.name]
    return read if read.table.table is not None else None


def _graph_name(read: Read, column: exp.Column) -> str:
    lower = {c.lower(): c for c in read.table.columns}
    return read.table.graph_name(lower[column.name.lower()])


def _push_values(
    column: exp.Expression,
    nodes: list[exp.Expression],
    scope: Scope,
    by_view: dict[str, Read],
    evaluate: Evaluate,
    condition: exp.Expression,
) -> bool:
    read = _target(column, scope, by_view)
    if read is None or read.table.table is None:
        return False
    assert isinstance(column, exp.Column)
    table = read.table.table
    name = _graph_name(read, column)
    values = tuple(dict.fromkeys(str(evaluate(n)) for n in nodes if evaluate(n) is not None))
    if not values:
        return False
    if name == "business_account_id" and table.scope != "user":
        merged = _intersect(read.account, values)
        if not merged:
            return False
        read.account = merged
    else:
        spec = next((f for f in table.filters if f.name in (name, f"{name}s")), None)
        if spec is None:
            return False
        if spec.kind in ("choice", "text") and len(values) > 1:
            # a control column: the read gives one value's rows, so the engine could not see
            # the others and the answer would be silently short
            raise SqlNotSupportedError(
                f"{read.table.name}.{column.name} takes one value per read, not "
                f"{len(values)}: write {column.name} = '{values[0]}', and UNION ALL a query per "
                "value.",
                query=read.query,
                start=_span(column.this)[0],
                end=_span(column.this)[1],
            )
        if spec.kind == "ids" and not all(v.isdigit() for v in values):
            return False  # no such object: the engine's filter leaves no rows
        if spec.name == "metrics" and name != "metric":
            return False
        if spec.kind in ("choice", "text"):
            read.filters[spec.name] = values[0]
        else:
            previous = read.filters.get(spec.name)
            merged = _intersect(previous if isinstance(previous, tuple) else None, values)
            if not merged:
                return False
            read.filters[spec.name] = merged
    read.pushed.append(condition.sql(dialect=DIALECT))
    return True


def _intersect(old: tuple[str, ...] | None, new: tuple[str, ...]) -> tuple[str, ...]:
    return new if old is None else tuple(v for v in old if v in new)


def _push_range(
    column: exp.Expression,
    kind: type[exp.Expression],
    node: exp.Expression,
    scope: Scope,
    by_view: dict[str, Read],
    evaluate: Evaluate,
    condition: exp.Expression | None,
) -> bool:
    read = _target(column, scope, by_view)
    if read is None or read.table.table is None or kind is exp.EQ:
        return False
    assert isinstance(column, exp.Column)
    if _graph_name(read, column) != read.table.table.time_column:
        return False
    value = evaluate(node)
    if value is None or isinstance(value, bool | int | float):
        return False
    try:
        stamp = parse_time(value, column.name)
    except ValueError:
        return False
    assert stamp is not None
    if kind in (exp.GT, exp.LTE):
        stamp = stamp + _ONE_MICROSECOND
    if kind in (exp.GT, exp.GTE):
        read.since = stamp if read.since is None else max(read.since, stamp)
    else:
        read.until = stamp if read.until is None else min(read.until, stamp)
    if condition is not None:
        read.pushed.append(condition.sql(dialect=DIALECT))
    return True
