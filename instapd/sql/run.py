"""Run a query: parse (sqlglot), read each table with what can be pushed down
(``read_instagram``), and let DuckDB do the rest over Arrow."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa
from sqlglot import exp

from ..api import default_connection, read_instagram
from ..cdata import systables
from ..connection.views import user_views
from ..errors import SqlError
from .cdata_dialect import Exec, expand_views, parse_exec
from .engine import Engine, engine
from .pushdown import Plan, Read, plan
from .statement import Params, parse, too_deep
from .writes import is_write, run_write

if TYPE_CHECKING:
    from ..api import Connection

_DTYPES: dict[pa.DataType, Any] = {
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
    pa.bool_(): pd.BooleanDtype(),
    **{t: pd.Int64Dtype() for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64())},
    **{t: pd.Int64Dtype() for t in (pa.uint8(), pa.uint16(), pa.uint32())},
    pa.float32(): pd.Float64Dtype(),
    pa.float64(): pd.Float64Dtype(),
}


def sql(
    query: str,
    *,
    connection: Connection | None = None,
    params: Params = None,
    cache: bool | None = None,
    explain: bool = False,
    dry_run: bool = False,
) -> pd.DataFrame:
    """Run ``query``; :func:`instapd.sql` documents it."""
    try:
        return _sql(query, connection, params, cache, explain, dry_run)
    except RecursionError:
        raise too_deep(query) from None


def _sql(
    query: str,
    connection: Connection | None,
    params: Params,
    cache: bool | None,
    explain: bool,
    dry_run: bool,
) -> pd.DataFrame:
    connection = connection or default_connection()
    call = parse_exec(query, params)
    if call is not None:
        return _exec(call, query, connection, preview=dry_run or explain)
    tree = expand_views(parse(query, params), user_views(connection.config), parse)
    if is_write(tree):
        return _write([tree], query, connection, cache, dry_run or explain)
    with _engine(connection) as db:
        if explain:
            work = plan(tree, query, connection.config.column_names, _evaluator(db, query))
            return explanation(work)
        return _select(db, tree, query, connection, cache)


def _exec(call: Exec, query: str, connection: Connection, *, preview: bool) -> pd.DataFrame:
    """``EXEC Procedure ...``: the procedure's result rows (with ``preview``, what would run)."""
    if preview:
        frame = pd.DataFrame(
            {
                "procedure": pd.array([call.procedure], dtype="string"),
                "parameters": pd.array(
                    [", ".join(f"{k}={v!r}" for k, v in call.parameters.items())], dtype="string"
                ),
            }
        )
    else:
        frame = connection.call(call.procedure, **call.parameters)
    frame.attrs["instapd"] = {"sql": query, "procedure": call.procedure, "reads": []}
    return frame


def sql_many(
    query: str, connection: Connection, seq_of_params: Sequence[Params]
) -> pd.DataFrame | None:
    """Run ``query`` once per parameter set: a write as one call over all of them (so the rows
    go in batches of 50), a SELECT each time, keeping the last answer (None for no sets)."""
    trees = [parse(query, params) for params in seq_of_params]
    if trees and is_write(trees[0]):
        try:
            return _write(trees, query, connection, None, False)
        except RecursionError:
            raise too_deep(query) from None
    frame = None
    for params in seq_of_params:
        frame = sql(query, connection=connection, params=params)
    return frame


def _write(
    trees: list[exp.Expression],
    query: str,
    connection: Connection,
    cache: bool | None,
    dry_run: bool,
) -> pd.DataFrame:
    """The write; ``attrs["instapd"]["reads"]`` holds the reads that found its rows."""
    reads: list[dict[str, Any]] = []

    def select(tree: exp.Expression) -> pd.DataFrame:
        frame = _select(db, tree, query, connection, cache)
        reads.extend(frame.attrs["instapd"]["reads"])
        return frame

    with _engine(connection) as db:
        result = run_write(
            trees,
            query,
            connection,
            select=select,
            evaluate=_evaluator(db, query),
            dry_run=dry_run,
        )
    result.attrs["instapd"]["reads"] = reads
    return result


def _select(
    db: Engine,
    tree: exp.Expression,
    query: str,
    connection: Connection,
    cache: bool | None,
) -> pd.DataFrame:
    """Read what the SELECT ``tree`` needs and run it in DuckDB."""
    work = plan(tree, query, connection.config.column_names, _evaluator(db, query))
    for read in work.reads:
        frame = _frame(read, connection, cache)
        db.db.register(read.view, pa.Table.from_pandas(frame, preserve_index=False))
    try:
        result = db.run(work.sql, query)
    except duckdb.Error as exc:
        raise _engine_error(exc, query) from None
    finally:
        for read in work.reads:
            db.db.unregister(read.view)
    frame = to_pandas(result)
    frame.attrs["instapd"] = {"sql": query, "reads": [_describe(r) for r in work.reads]}
    return frame


def _engine(connection: Connection) -> AbstractContextManager[Engine]:
    """A locked-down DuckDB database of this statement's own (:mod:`.engine`)."""
    config = connection.config
    return engine(timeout=config.sql_timeout, memory_mb=config.sql_memory_limit)


def _evaluator(db: Engine, query: str) -> Any:
    def evaluate(node: Any) -> Any:
        try:
            table = db.run(f"SELECT {node.sql(dialect='duckdb')}", query)
        except duckdb.Error as exc:
            raise _engine_error(exc, query) from None
        return table.column(0)[0].as_py() if table.num_rows else None

    return evaluate


def _frame(read: Read, connection: Connection, cache: bool | None) -> pd.DataFrame:
    table = read.table
    if table.table is None:
        system = systables.SYSTEM_TABLES[table.name.lower()]
        if system.live:  # Health: every linked account's, asked now
            from ..agency import health

            return health(connection)[read.columns]
        frame = system.frame(connection.config, connection)
        return frame[read.columns]
    options = read.options()
    if "account" not in options and not connection.config.business_account_id:
        options["account"] = "all"  # a table holds every linked account's rows
    frame = read_instagram(table.table.name, connection=connection, cache=cache, **options)
    frame = frame.rename(columns={table.graph_name(c): c for c in read.columns})
    return frame[read.columns]


def _engine_error(exc: Exception, query: str) -> SqlError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return SqlError(f"The query failed in the SQL engine: {first}", query=query)


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with instapd's dtypes: string, Int64, boolean, Float64, UTC times."""
    columns = []
    for column in table.columns:
        if pa.types.is_decimal(column.type):
            column = column.cast(pa.float64())
        elif pa.types.is_timestamp(column.type) and column.type.tz:
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
        columns.append(column)
    table = pa.Table.from_arrays(columns, names=table.column_names)
    frame: pd.DataFrame = table.to_pandas(types_mapper=_DTYPES.get)
    return frame


def _describe(read: Read) -> dict[str, Any]:
    return {
        "table": read.table.name,
        "alias": read.alias,
        "columns": list(read.columns),
        "filters": {k: list(v) if isinstance(v, tuple) else v for k, v in read.filters.items()},
        "account": list(read.account) if read.account is not None else None,
        "since": read.since.isoformat() if read.since is not None else None,
        "until": read.until.isoformat() if read.until is not None else None,
        "limit": read.limit,
        "pushed": list(read.pushed),
    }


def explanation(work: Plan) -> pd.DataFrame:
    """One row per table read: what goes to the API; ``attrs`` holds the engine's SQL."""
    rows = [_describe(r) for r in work.reads]
    frame = pd.DataFrame(
        {
            "table": [r["table"] for r in rows],
            "alias": [r["alias"] for r in rows],
            "columns": [", ".join(r["columns"]) for r in rows],
            "pushed_down": ["; ".join(r["pushed"]) or "(nothing)" for r in rows],
            "read_instagram": [_call(r) for r in rows],
        },
        dtype="string",
    )
    frame.attrs["instapd"] = {"engine_sql": work.sql, "reads": rows}
    return frame


def _call(row: dict[str, Any]) -> str:
    if row["table"].lower().startswith("sys_"):
        return "(system table, no request)"
    parts = [repr(row["table"]), f"columns={row['columns']!r}"]
    parts += [f"{k}={v!r}" for k, v in row["filters"].items()]
    parts += [f"{k}={row[k]!r}" for k in ("account", "since", "until", "limit") if row[k]]
    return f"read_instagram({', '.join(parts)})"
