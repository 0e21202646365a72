"""INSERT, UPDATE and DELETE, mapped onto :func:`instapd.insert`, :func:`instapd.update` and
:func:`instapd.delete`.

``INSERT INTO Comments (media_id, text) VALUES ...`` (or ``... SELECT``) and ``INSERT INTO
Replies (comment_id, text)``; ``UPDATE Comments|Replies SET hidden = ...``, ``UPDATE IGMedia
SET comment_enabled = ...`` and ``UPDATE CollaborationInvites SET accept = true|false`` (or
``invite_status = 'Accepted'|'Declined'``) ``WHERE media_id = ...``; ``DELETE FROM
Comments|Replies|IGMedia``. ``INSERT INTO IGMedia (image_url, caption, ...) VALUES ...`` (or
``Media``) publishes a post per row through :func:`instapd.publish`, with Meta's container
fields as columns (``title``, ``cross_post_to_threads``, ...); its dry run checks each row and
shows the container it would create. A ``WHERE`` on ``id``
alone names the objects; any other ``WHERE`` is first run as ``SELECT id ... WHERE ...`` through
the read path. The answer is the writes' result frame: ``id``, ``status``, ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlglot import exp

from ..api import delete, insert, publish, update
from ..errors import (
    SqlNotSupportedError,
    SqlUnknownColumnError,
    SqlUnknownTableError,
    UnknownTableError,
)
from ..publishing import preview
from ..publishing.rules import OPTIONS
from ..writes.results import identity_rows
from .schema import SqlTable, resolve
from .statement import DIALECT

if TYPE_CHECKING:
    from ..api import Connection

#: Runs a SELECT tree through the read path (pushdown, then DuckDB) and returns its frame.
Select = Callable[[exp.Expression], pd.DataFrame]
Evaluate = Callable[[exp.Expression], Any]

#: The tables each verb writes (lower case -> shown name), and the columns it takes.
_INSERT = {"comments": ("media_id", "text"), "replies": ("comment_id", "text")}
#: ``INSERT INTO IGMedia|Media`` publishes: the columns it takes (one post per row).
_PUBLISH = ("igmedia", "media")
_POST_COLUMNS = frozenset({"image_url", "video_url", "children", "media_type", "caption", *OPTIONS})
_UPDATE = {
    "comments": "hidden",
    "replies": "hidden",
    "igmedia": "comment_enabled",
    "media": "comment_enabled",
    "collaborationinvites": "accept",
}
#: ``UPDATE CollaborationInvites``: the answers ``SET invite_status = ...`` takes.
_ANSWERS = {"accepted": True, "declined": False}
_DELETE = ("comments", "replies", "igmedia", "media")
#: Column names accepted for a written column, squashed (lower case, no underscores).
_ACCEPTED = {
    "media_id": {"mediaid"},
    "comment_id": {"commentid"},
    "text": {"text", "message"},
    "hidden": {"hidden"},
    "comment_enabled": {"commentenabled", "iscommentenabled"},
    "id": {"id"},
    "accept": {"accept", "accepted"},
    "invite_status": {"invitestatus", "status"},
}


def is_write(tree: exp.Expression) -> bool:
    return isinstance(tree, exp.Insert | exp.Update | exp.Delete)


def run_write(
    trees: list[exp.Expression],
    query: str,
    connection: Connection,
    *,
    select: Select,
    evaluate: Evaluate,
    dry_run: bool,
) -> pd.DataFrame:
    """Run one INSERT, UPDATE or DELETE (``trees``: the statement bound to each parameter set,
    written in one call, so in batches of 50); ``dry_run`` checks and previews, sending
    nothing."""
    rows: list[Any] = []
    more: list[Any]
    for tree in trees:
        if isinstance(tree, exp.Insert) and _publishes(tree, connection):
            action, (table, more) = "publish", _posts(tree, query, connection, select)
        elif isinstance(tree, exp.Insert):
            action, (table, more) = "insert", _insert(tree, query, connection, select)
        elif isinstance(tree, exp.Update):
            action, (table, more) = "update", _update(tree, query, connection, select, evaluate)
        else:
            assert isinstance(tree, exp.Delete)
            action, (table, more) = "delete", _delete(tree, query, connection, select, evaluate)
        rows += more
    if action == "publish":
        result = _publish(rows, connection, dry_run)
    else:
        write = {"insert": insert, "update": update, "delete": delete}[action]
        result = write(table, rows, connection=connection, dry_run=dry_run)
    result = result.reset_index(drop=True)
    result.attrs["instapd"] = {
        "sql": query,
        "write": {"action": action, "table": table, "rows": len(rows), "dry_run": dry_run},
    }
    return result


# -- the statements --------------------------------------------------------------------------


def _publishes(tree: exp.Insert, connection: Connection) -> bool:
    target = tree.this
    node = target.this if isinstance(target, exp.Schema) else target
    name = node.name if isinstance(node, exp.Table) else ""
    try:
        table = resolve(name, connection.config.column_names)
    except UnknownTableError:
        return False
    return table is not None and table.name.lower() in _PUBLISH


def _posts(
    tree: exp.Insert, query: str, connection: Connection, select: Select
) -> tuple[str, list[dict[str, Any]]]:
    """``INSERT INTO IGMedia (image_url, caption, ...) VALUES ...``: a post per row."""
    target, node = _into(tree, query)
    example = f"INSERT INTO {node.name} (image_url, caption) VALUES (?, ?)"
    if not isinstance(target, exp.Schema) or not target.expressions:
        raise _not_supported(f"Name the columns: {example}.", query, node)
    columns = []
    for item in target.expressions:
        name = item.name.lower()
        if name not in _POST_COLUMNS:
            raise _unknown_column(
                f"A post takes the columns {', '.join(sorted(_POST_COLUMNS))}, not "
                f"{item.name!r}: {example}.",
                query,
                item,
            )
        columns.append(name)
    records = _rows(tree, columns, query, select, f"{example}.")
    for record in records:  # a carousel's children and JSON objects come as JSON text
        for key in ("children", "user_tags", "collaborators", "trial_params"):
            if isinstance(record.get(key), str) and record[key].lstrip()[:1] in ("[", "{"):
                record[key] = json.loads(record[key])
    return "IGMedia", records


def _publish(rows: list[dict[str, Any]], connection: Connection, dry_run: bool) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if dry_run:
        return preview(connection, frame)
    result = publish(frame, connection=connection)
    connection.last_writes = identity_rows("insert", result)  # CData's sys_identity
    return result


def _insert(
    tree: exp.Insert, query: str, connection: Connection, select: Select
) -> tuple[str, list[dict[str, Any]]]:
    target, table_node = _into(tree, query)
    table = _table(table_node, query, connection, (*_INSERT, "igmedia"), "INSERT INTO")
    wanted = _INSERT[table.name.lower()]
    example = f"INSERT INTO {table.name} ({', '.join(_shown(table, c) for c in wanted)}) VALUES"
    if not isinstance(target, exp.Schema) or not target.expressions:
        raise _not_supported(f"Name the columns: {example} (?, ?).", query, table_node.this)
    columns = [_column(i, table, wanted, query) for i in target.expressions]
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise SqlUnknownColumnError(
            f"{table.name} needs {', '.join(_shown(table, c) for c in missing)}: {example} (?, ?).",
            query=query,
            start=_start(target.expressions[0]),
        )
    return table.name, _rows(tree, columns, query, select, f"{example} (?, ?).")


def _into(tree: exp.Insert, query: str) -> tuple[exp.Expression, exp.Expression]:
    """An INSERT's target (the table with its column list, if any) and its table."""
    _refuse_extras(tree, query, ("conflict", "returning", "overwrite", "alternative", "where"))
    target = tree.this
    return target, target.this if isinstance(target, exp.Schema) else target


def _rows(
    tree: exp.Insert, columns: list[str], query: str, select: Select, example: str
) -> list[dict[str, Any]]:
    """An INSERT's rows (its VALUES or SELECT, read through the read path), by ``columns``."""
    source = tree.expression
    if isinstance(source, exp.Values):
        source = exp.select("*").from_(source.copy())
    elif not isinstance(source, exp.Query):
        raise _not_supported(f"Give the rows as VALUES or a SELECT: {example}", query, None)
    frame = select(source)
    if frame.shape[1] != len(columns):
        raise SqlNotSupportedError(
            f"The rows have {frame.shape[1]} values each but {len(columns)} columns are named: "
            f"{example}",
            query=query,
        )
    frame.columns = pd.Index(columns)
    return _records(frame)


def _update(
    tree: exp.Update, query: str, connection: Connection, select: Select, evaluate: Evaluate
) -> tuple[str, list[dict[str, Any]]]:
    _refuse_extras(tree, query, ("from", "returning", "order", "limit"))
    table = _table(tree.this, query, connection, tuple(_UPDATE), "UPDATE")
    if table.name.lower() == "collaborationinvites":
        return _answer_invites(tree, table, query, select, evaluate)
    flag = _UPDATE[table.name.lower()]
    fix = f"UPDATE {table.name} SET {_shown(table, flag)} = true WHERE {_shown(table, 'id')} = ?"
    assignments = tree.expressions
    if len(assignments) != 1 or not isinstance(assignments[0], exp.EQ):
        raise _not_supported(f"Set one column, {_shown(table, flag)}: {fix}.", query, tree.this)
    _column(assignments[0].this, table, (flag,), query)  # refuses any other column
    value_node = assignments[0].expression
    if value_node.find(exp.Column, exp.Query) is not None:
        raise _not_supported(
            f"The new value must be a constant (true or false): {fix}.", query, value_node
        )
    value = evaluate(value_node)
    ids = _ids(tree, table, query, select, evaluate, "UPDATE", fix)
    return table.name, [{"id": i, flag: value} for i in ids]


def _answer_invites(
    tree: exp.Update, table: SqlTable, query: str, select: Select, evaluate: Evaluate
) -> tuple[str, list[dict[str, Any]]]:
    """``UPDATE CollaborationInvites SET accept = true|false WHERE media_id ...``: answers."""
    key = _shown(table, "media_id")
    fix = f"UPDATE {table.name} SET accept = true WHERE {key} = ? (false declines)"
    assignments = tree.expressions
    if len(assignments) != 1 or not isinstance(assignments[0], exp.EQ):
        raise _not_supported(f"Set one column, accept: {fix}.", query, tree.this)
    target, value_node = assignments[0].this, assignments[0].expression
    squashed = target.name.lower().replace("_", "")
    if squashed not in _ACCEPTED["accept"] | _ACCEPTED["invite_status"]:
        raise _unknown_column(
            f"{table.name} takes accept (true or false) or invite_status ('Accepted' or "
            f"'Declined') here, not {target.name!r}: {fix}.",
            query,
            target,
        )
    if value_node.find(exp.Column, exp.Query) is not None:
        raise _not_supported(f"The new value must be a constant: {fix}.", query, value_node)
    value = evaluate(value_node)
    if squashed in _ACCEPTED["invite_status"]:
        answer = _ANSWERS.get(str(value).lower()) if isinstance(value, str) else None
        valid = "'Accepted' or 'Declined'"
    else:
        answer = value if isinstance(value, bool) else None
        valid = "true or false"
    if answer is None:
        raise _not_supported(
            f"{target.name} is {valid} (an invite is accepted or declined), not {value!r}: {fix}.",
            query,
            value_node,
        )
    ids = _ids(tree, table, query, select, evaluate, "UPDATE", fix, key="media_id")
    return table.name, [{"media_id": i, "accept": answer} for i in ids]


def _delete(
    tree: exp.Delete, query: str, connection: Connection, select: Select, evaluate: Evaluate
) -> tuple[str, list[str]]:
    _refuse_extras(tree, query, ("using", "returning", "order", "limit", "tables"))
    table = _table(tree.this, query, connection, _DELETE, "DELETE FROM")
    fix = f"DELETE FROM {table.name} WHERE {_shown(table, 'id')} = ?"
    return table.name, _ids(tree, table, query, select, evaluate, "DELETE", fix)


# -- which objects ---------------------------------------------------------------------------


def _ids(
    tree: exp.Update | exp.Delete,
    table: SqlTable,
    query: str,
    select: Select,
    evaluate: Evaluate,
    verb: str,
    fix: str,
    key: str = "id",
) -> list[str]:
    """The ids the WHERE names: read directly from ``id = ...``/``id IN (...)``, else by a read
    (``key``: the column that names a row, ``media_id`` for the invites)."""
    where = tree.args.get("where")
    if where is None:
        raise SqlNotSupportedError(
            f"{verb} without WHERE would touch every row of {table.name}; instapd refuses it. "
            f"Name the rows: {fix}, or WHERE ... over other columns.",
            query=query,
            start=0,
            end=len(verb) - 1,
        )
    direct = _direct_ids(where.this, table, evaluate, key)
    if direct is not None:
        return direct
    id_name = _shown(table, key)
    lookup = exp.select(exp.column(id_name, table=tree.this.alias_or_name)).from_(tree.this.copy())
    frame = select(lookup.where(where.this.copy()))
    return [str(v) for v in dict.fromkeys(frame.iloc[:, 0].dropna().tolist())]


def _direct_ids(
    condition: exp.Expression, table: SqlTable, evaluate: Evaluate, key: str = "id"
) -> list[str] | None:
    """``id = constant`` or ``id IN (constants)``: the ids, without reading; else None."""
    if isinstance(condition, exp.Paren):
        return _direct_ids(condition.this, table, evaluate, key)
    if isinstance(condition, exp.EQ):
        left, right = condition.this, condition.expression
        if isinstance(right, exp.Column):
            left, right = right, left
        nodes = [right]
    elif isinstance(condition, exp.In) and not condition.args.get("query"):
        left, nodes = condition.this, condition.expressions
    else:
        return None
    if not isinstance(left, exp.Column) or _graph(table, left.name) != key:
        return None
    if any(n.find(exp.Column, exp.Query) is not None for n in nodes):
        return None
    values = [evaluate(n) for n in nodes]
    return list(dict.fromkeys(str(v) for v in values if v is not None))


# -- names and checks ------------------------------------------------------------------------


def _table(
    node: exp.Expression, query: str, connection: Connection, allowed: tuple[str, ...], verb: str
) -> SqlTable:
    name = node.name if isinstance(node, exp.Table) else node.sql(dialect=DIALECT)
    shown = {"comments": "Comments", "replies": "Replies", "igmedia": "IGMedia", "media": "Media",
             "collaborationinvites": "CollaborationInvites"}  # fmt: skip
    names = [shown[t] for t in allowed if t != "media"]
    choices = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    try:
        table = resolve(name, connection.config.column_names)
    except UnknownTableError:
        table = None
    if table is None or table.table is None or table.name.lower() not in allowed:
        error = SqlUnknownTableError if table is None else SqlNotSupportedError
        raise error(
            f"{verb} {name}: {verb.split()[0]} writes only {choices}.",
            query=query,
            start=_start(node),
            end=_end(node),
        )
    return table


def _column(node: exp.Expression, table: SqlTable, wanted: tuple[str, ...], query: str) -> str:
    """The written column ``node`` names (any naming, any case), or a typed error."""
    name = node.name
    graph = _graph(table, name)
    squashed = name.lower().replace("_", "")
    for column in wanted:
        if graph == column or squashed in _ACCEPTED[column]:
            return column
    if graph == "is_comment_enabled" and "comment_enabled" in wanted:
        return "comment_enabled"
    raise _unknown_column(
        f"{table.name} takes {' and '.join(_shown(table, c) for c in wanted)} here, not {name!r}.",
        query,
        node,
    )


def _graph(table: SqlTable, name: str) -> str | None:
    lower = {c.lower(): c for c in table.columns}
    shown = lower.get(name.lower())
    return table.graph_name(shown) if shown is not None else None


def _shown(table: SqlTable, column: str) -> str:
    """A written column's name under the connection's naming (``comment_enabled`` under
    Graph's, as :func:`instapd.update` takes it)."""
    graph = "is_comment_enabled" if column == "comment_enabled" else column
    if graph not in table.graph.values():
        return column
    name = table.sql_name(graph)
    return column if name == graph else name


def _refuse_extras(tree: exp.Expression, query: str, names: tuple[str, ...]) -> None:
    for name in names:
        value = tree.args.get(name)
        if value:
            node = value if isinstance(value, exp.Expression) else None
            clause = name.upper().replace("_", " ")
            raise _not_supported(
                f"{type(tree).__name__.upper()} ... {clause} is not supported here.", query, node
            )


def _unknown_column(message: str, query: str, node: exp.Expression) -> SqlUnknownColumnError:
    return SqlUnknownColumnError(message, query=query, start=_start(node), end=_end(node))


def _not_supported(message: str, query: str, node: exp.Expression | None) -> SqlNotSupportedError:
    start = _start(node) if node is not None else None
    return SqlNotSupportedError(
        message, query=query, start=start, end=_end(node) if node is not None else None
    )


def _start(node: exp.Expression) -> int | None:
    """Where ``node`` begins in the query (its first positioned part)."""
    starts = [int(n.meta["start"]) for n in node.walk() if n.meta.get("start") is not None]
    return min(starts) if starts else None


def _end(node: exp.Expression) -> int | None:
    ends = [int(n.meta["end"]) for n in node.walk() if n.meta.get("end") is not None]
    return max(ends) if ends else None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): (None if pd.api.types.is_scalar(v) and pd.isna(v) else v) for k, v in r.items()}
        for r in frame.astype(object).to_dict("records")
    ]
