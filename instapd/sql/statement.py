"""Parse one SQL statement with sqlglot, bind its ``?`` parameters, and refuse what cannot run
(DDL, MERGE, several statements)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokenizer_core import TokenType

from ..errors import SqlNotSupportedError, SqlSyntaxError
from .functions import check_functions

DIALECT = "duckdb"
Params = Sequence[Any] | Mapping[str, Any] | None


def _placeholder(parser: Parser) -> exp.Expression:
    """A ``?`` that remembers where it stood, so parameters bind in the order written."""
    node = exp.Placeholder()
    node.meta["start"] = parser._prev.start if parser._prev else 0
    return node


class InstapdSQL(DuckDB):
    """DuckDB's SQL, with positioned ``?`` placeholders."""

    class Parser(DuckDB.Parser):  # type: ignore[misc,valid-type]
        PLACEHOLDER_PARSERS = {  # noqa: RUF012 - sqlglot's own pattern
            **DuckDB.Parser.PLACEHOLDER_PARSERS,
            TokenType.PLACEHOLDER: _placeholder,
        }


_WRITES = (exp.Insert, exp.Update, exp.Delete)  # mapped onto instapd's writes (.writes)
_QUERIES = (exp.Query,)  # SELECT, UNION/INTERSECT/EXCEPT, and WITH ... SELECT


def parse(query: str, params: Params = None) -> exp.Expression:
    """The statement's tree, with its parameters bound as literals."""
    if not isinstance(query, str) or not query.strip():
        raise SqlSyntaxError("The query is empty: write a SELECT statement.", query=str(query))
    from .cdata_dialect import brackets_to_quotes

    _check_params(params, query)
    try:
        statements = [
            s for s in sqlglot.parse(brackets_to_quotes(query), read=InstapdSQL) if s is not None
        ]
    except RecursionError:
        raise too_deep(query) from None
    except ParseError as exc:
        raise _syntax_error(query, exc) from None
    except TokenError as exc:
        raise SqlSyntaxError(
            f"Cannot read the query ({exc}): check that every quote and bracket is closed.",
            query=query,
        ) from None
    if len(statements) != 1:
        raise SqlNotSupportedError(
            f"Run one statement at a time, not {len(statements)}.", query=query
        )
    tree = cast(exp.Expression, statements[0])
    _check_kind(tree, query)
    check_functions(tree, query)
    tree = bind(tree, params, query)
    _check_limits(tree, query)
    return tree


def too_deep(query: str) -> SqlNotSupportedError:
    """The error for a statement nested too deeply to analyse (Python's recursion limit)."""
    return SqlNotSupportedError(
        "The query is nested too deeply to analyse (parentheses, subqueries or operators "
        "hundreds of levels deep): flatten it, for example with IN (...) or a CTE.",
        query=query,
    )


def _check_params(params: Params, query: str) -> None:
    if params is None or isinstance(params, Mapping):
        return
    if isinstance(params, str | bytes) or not isinstance(params, Sequence):
        raise SqlSyntaxError(
            f"params must be a list or tuple with a value for each ?, or a dict for :name "
            f"placeholders, not {type(params).__name__}: write params=[{params!r}].",
            query=query,
        )


_MAX_LIMIT = 2**62


def _check_limits(tree: exp.Expression, query: str) -> None:
    """LIMIT and OFFSET written as numbers must be whole numbers DuckDB can count to."""
    for node in tree.find_all(exp.Limit, exp.Offset):
        value = node.args.get("expression")
        negative = isinstance(value, exp.Neg)
        if isinstance(value, exp.Neg):
            value = value.this
        if not isinstance(value, exp.Literal) or value.is_string:
            continue
        word = "LIMIT" if isinstance(node, exp.Limit) else "OFFSET"
        try:
            number = decimal.Decimal(value.this) * (-1 if negative else 1)
        except decimal.InvalidOperation:
            continue
        if (
            not number.is_finite()
            or number != number.to_integral_value()
            or not (0 <= number <= _MAX_LIMIT)
        ):
            raise SqlNotSupportedError(
                f"{word} {number} is not a row count: write a whole number from 0 to {_MAX_LIMIT}.",
                query=query,
            )


def _syntax_error(query: str, exc: ParseError) -> SqlSyntaxError:
    first = exc.errors[0] if exc.errors else {}
    line, col = first.get("line"), first.get("col")
    highlight = str(first.get("highlight") or "")
    start = None
    if isinstance(line, int) and isinstance(col, int):
        lines = query.splitlines(keepends=True)
        start = sum(len(text) for text in lines[: line - 1]) + max(col - len(highlight), 0)
    what = re.sub(r" for <class '[^']*'>", "", str(first.get("description") or "invalid SQL"))
    if what.startswith("Required keyword"):
        what = "something is missing here (an expression, a table or a closing word)"
    near = f" near {highlight!r}" if highlight else ""
    return SqlSyntaxError(
        f"SQL syntax error{near}: {what}.",
        query=query,
        start=start,
        end=None if start is None else start + max(len(highlight) - 1, 0),
    )


def _check_kind(tree: exp.Expression, query: str) -> None:
    if not isinstance(tree, _QUERIES + _WRITES):
        word = query.strip().split()[0].upper()
        start = query.index(query.strip()[0])
        raise SqlNotSupportedError(
            f"{word} statements are not supported: instapd runs SELECT queries (with WITH, JOIN, "
            "GROUP BY, ORDER BY, window functions), INSERT, UPDATE and DELETE on Comments, "
            "Replies and IGMedia, and EXEC of a stored procedure. The sys_tables, "
            "sys_tablecolumns and sys_procedures tables "
            "describe what there is.",
            query=query,
            start=start,
            end=start + len(word) - 1,
        )


def bind(tree: exp.Expression, params: Params, query: str) -> exp.Expression:
    """Replace ``?`` (in order, from a sequence) or ``:name`` (from a mapping) with literals."""
    holders = list(tree.find_all(exp.Placeholder))
    if not holders:
        if params:
            raise SqlSyntaxError(
                f"The query has no ? placeholders but {len(params)} parameters were given.",
                query=query,
            )
        return tree
    holders.sort(key=lambda node: node.meta.get("start", 0))
    if params is None:
        raise SqlSyntaxError(
            f"The query has {len(holders)} ? placeholders: pass params=[...] with a value each.",
            query=query,
        )
    if isinstance(params, Mapping):
        values = []
        for node in holders:
            if node.name not in params:
                raise SqlSyntaxError(f"No value for the parameter :{node.name}.", query=query)
            values.append(params[node.name])
    else:
        values = list(params)
        if len(values) != len(holders):
            raise SqlSyntaxError(
                f"The query has {len(holders)} ? placeholders but {len(values)} parameters "
                "were given.",
                query=query,
            )
    for node, value in zip(holders, values, strict=True):
        try:
            node.replace(literal(value))
        except SqlSyntaxError as exc:
            raise SqlSyntaxError(str(exc), query=query) from None
    return tree


def _finite(value: float | decimal.Decimal) -> bool:
    return value.is_finite() if isinstance(value, decimal.Decimal) else math.isfinite(value)


def literal(value: Any) -> exp.Expression:
    """A Python value as a SQL literal."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, float | decimal.Decimal) and not _finite(value):
        raise SqlSyntaxError(
            f"A parameter is {value}: SQL has no such number. Pass None for a missing value."
        )
    if isinstance(value, int | float | decimal.Decimal):
        return exp.Literal.number(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raise SqlSyntaxError(
            "A parameter is bytes: pass text (decode it first) or a number instead."
        )
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return exp.cast(exp.Literal.string(stamp.isoformat()), "TIMESTAMPTZ")
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, list | tuple):
        return exp.Tuple(expressions=[literal(v) for v in value])
    return exp.Literal.string(str(value))
