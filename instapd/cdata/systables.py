"""CData's system tables, built from the catalog and the connection's configuration.

All of CData's: sys_catalogs, sys_schemas, sys_tables, sys_tablecolumns, sys_procedures,
sys_procedureparameters, sys_keycolumns, sys_foreignkeys, sys_primarykeys, sys_indexes,
sys_connection_props, sys_sqlinfo, sys_identity and sys_information, with CData's columns (plus
a few of instapd's own, such as ``IsPushedDown``); and ``Health``, read over the connection
(:func:`instapd.health`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..__about__ import __version__
from ..catalog import TABLES
from ..catalog.names import column_names
from ..config import PROPERTIES, Config
from ..connection.views import user_views

if TYPE_CHECKING:
    from ..connection import BaseConnection

CATALOG, SCHEMA = "CData", "Instagram"
_TYPE_NAMES = {
    "id": "varchar",
    "string": "varchar",
    "datetime": "datetime",
    "int": "bigint",
    "float": "double",
    "bool": "bool",
    "list": "varchar[]",
}
#: JDBC type codes, as CData's DataType column has them.
_TYPE_CODES = {"varchar": 12, "datetime": 93, "bigint": -5, "double": 8, "bool": 16}
#: Columns that point at another table's key (name -> table, column): what sys_foreignkeys lists.
FOREIGN_KEYS = {
    "business_account_id": ("InstagramBusinessProfile", "id"),
    "media_id": ("IGMedia", "id"),
    "comment_id": ("Comments", "id"),
}


@dataclass(frozen=True)
class Parameter:
    name: str
    direction: str  # "IN" or "OUT"
    description: str
    required: bool = False


#: The CData procedures' parameters (see :mod:`instapd.cdata.procedures`).
PROCEDURES: dict[str, tuple[str, tuple[Parameter, ...]]] = {
    "GetOAuthAuthorizationURL": (
        "Step 1 of the web login: the URL of Facebook's login dialog",
        (
            Parameter("AuthMode", "IN", "WEB (default)"),
            Parameter("CallbackURL", "IN", "Where the dialog sends the browser back"),
            Parameter("Scope", "IN", "Permissions to ask for, space or comma separated"),
            Parameter("State", "IN", "A value the callback must carry back"),
            Parameter("URL", "OUT", "The login dialog's address"),
        ),
    ),
    "GetOAuthAccessToken": (
        "Step 2 of the web login (or the whole desktop login with AuthMode=APP): a token",
        (
            Parameter("AuthMode", "IN", "WEB (default) or APP"),
            Parameter("Verifier", "IN", "The code, or the whole URL the browser landed on"),
            Parameter("CallbackURL", "IN", "The callback URL step 1 used"),
            Parameter("State", "IN", "The state step 1 used"),
            Parameter("OAuthAccessToken", "OUT", "The long-lived access token"),
            Parameter("ExpiresIn", "OUT", "Seconds until it expires (-1: never)"),
        ),
    ),
    "RefreshOAuthAccessToken": (
        "A fresh long-lived token for the current one",
        (
            Parameter("OAuthAccessToken", "IN", "The current token", required=True),
            Parameter("OAuthAccessToken", "OUT", "The fresh token"),
            Parameter("ExpiresIn", "OUT", "Seconds until it expires (-1: never)"),
        ),
    ),
}


@dataclass(frozen=True)
class SystemTable:
    name: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)
    build: Callable[[Config], list[dict[str, object]]]
    live: bool = False  # read over the connection (the SQL engine calls it), not from config
    #: Rows kept by the connection itself (sys_identity: its last write), instead of ``build``.
    kept: Callable[[BaseConnection], list[dict[str, object]]] | None = None

    def frame(self, config: Config, connection: BaseConnection | None = None) -> pd.DataFrame:
        names = [c for c, _ in self.columns]
        if self.kept is not None:
            rows = self.kept(connection) if connection is not None else []
        else:
            rows = self.build(config)
        frame = pd.DataFrame(rows, columns=names)
        for name, kind in self.columns:
            dtype: Any = {"BIGINT": "Int64", "BOOLEAN": "boolean"}.get(kind, "string")
            frame[name] = frame[name].astype(dtype)
        return frame


def _tables(config: Config) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": t.name,
            "TableType": "TABLE" if t.kind == "table" else "VIEW",
            "Description": t.description,
            "IsUpdateable": t.kind == "table",
        }
        for t in TABLES.values()
    ]
    rows += [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": s.name,
            "TableType": "SYSTEM TABLE",
            "Description": s.description,
            "IsUpdateable": False,
        }
        for s in SYSTEM_TABLES.values()
    ]
    rows += [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": v.name,
            "TableType": "VIEW",
            "Description": f"User-defined view: {v.query}",
            "IsUpdateable": False,
        }
        for v in user_views(config).values()
    ]
    return rows


def _table_columns(config: Config) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for table in TABLES.values():
        shown = column_names(table, config.column_names)
        filters = {f.name for f in table.filters}
        for ordinal, column in enumerate(table.columns):
            rows.append(
                {
                    "CatalogName": CATALOG,
                    "SchemaName": SCHEMA,
                    "TableName": table.name,
                    "ColumnName": shown[column.name],
                    "DataTypeName": _TYPE_NAMES[column.type],
                    "DataType": _TYPE_CODES.get(_TYPE_NAMES[column.type], 2003),
                    "Ordinal": ordinal,
                    "IsNullable": column.name != "id",
                    "IsKey": column.name == "id",
                    "IsAutoIncrement": False,
                    "IsGeneratedColumn": False,
                    "IsHidden": False,
                    "IsArray": column.type == "list",
                    "IsReadOnly": table.kind != "table" or column.name not in _WRITABLE,
                    "ColumnType": "REGULAR",
                    "IsPushedDown": column.name in filters | {table.time_column}
                    or column.name == "business_account_id",
                    "Description": column.description,
                }
            )
        rows += _pseudo_rows(table, config, len(table.columns))
    return rows


def _pseudo_rows(table: Any, config: Config, start: int) -> list[dict[str, object]]:
    """The table's filters that ``PseudoColumns`` asks to list: CData's pseudo columns, which
    a WHERE may set (``period``, ``media_id``) but rows do not carry."""
    chosen = config.pseudo_columns
    names = {c.name for c in table.columns}
    return [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": table.name,
            "ColumnName": f.name,
            "DataTypeName": "varchar",
            "DataType": 12,
            "Ordinal": start + offset,
            "IsNullable": not f.required,
            "IsKey": False,
            "IsAutoIncrement": False,
            "IsGeneratedColumn": False,
            "IsHidden": False,
            "IsArray": f.kind in ("ids", "list"),
            "IsReadOnly": False,
            "ColumnType": "PSEUDO",
            "IsPushedDown": True,
            "Description": f.description,
        }
        for offset, f in enumerate(
            f
            for f in table.filters
            if f.name not in names
            and any(t in ("*", table.name) and c in ("*", f.name) for t, c in chosen)
        )
    ]


#: Columns an INSERT or UPDATE may set (Comments, Replies, IGMedia, CollaborationInvites).
_WRITABLE = frozenset({"text", "media_id", "comment_id", "hidden", "is_comment_enabled"})


def _procedures(config: Config) -> list[dict[str, object]]:
    return [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "ProcedureName": name,
            "Description": text,
            "ProcedureType": "PROCEDURE",
        }
        for name, (text, _) in PROCEDURES.items()
    ]


def _keyed_tables() -> list[tuple[str, str, str]]:
    """(table, key column as shown, the column's catalog name) for every table with an id."""
    return [(t.name, "id", "id") for t in TABLES.values() if "id" in t.column_names]


def _shown(table_name: str, column: str, config: Config) -> str:
    return column_names(TABLES[table_name.lower()], config.column_names)[column]


def _primary_keys(config: Config) -> list[dict[str, object]]:
    return [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": table,
            "ColumnName": _shown(table, column, config),
            "KeySeq": 1,
            "KeyName": f"PK_{table}",
        }
        for table, _, column in _keyed_tables()
    ]


def _foreign_keys(config: Config) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for table in TABLES.values():
        for column in table.columns:
            target = FOREIGN_KEYS.get(column.name)
            if target is None or target[0].lower() == table.name.lower():
                continue
            rows.append(
                {
                    "CatalogName": CATALOG,
                    "SchemaName": SCHEMA,
                    "TableName": table.name,
                    "ColumnName": _shown(table.name, column.name, config),
                    "PrimaryKeyName": f"PK_{target[0]}",
                    "ForeignKeyName": f"FK_{table.name}_{column.name}",
                    "ReferencedCatalogName": CATALOG,
                    "ReferencedSchemaName": SCHEMA,
                    "ReferencedTableName": target[0],
                    "ReferencedColumnName": _shown(target[0], target[1], config),
                    "ForeignKeyType": "FOREIGNKEY",
                }
            )
    return rows


def _key_columns(config: Config) -> list[dict[str, object]]:
    keys: list[dict[str, object]] = [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": row["TableName"],
            "ColumnName": row["ColumnName"],
            "IsKey": True,
            "IsForeignKey": False,
            **dict.fromkeys(name for name, _ in _REFERENCE),
            "PrimaryKeyName": row["KeyName"],
        }
        for row in _primary_keys(config)
    ]
    keys += [
        {
            **{k: v for k, v in row.items() if k != "ForeignKeyType"},
            "IsKey": False,
            "IsForeignKey": True,
        }
        for row in _foreign_keys(config)
    ]
    return keys


def _indexes(config: Config) -> list[dict[str, object]]:
    return [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "TableName": row["TableName"],
            "IndexName": row["KeyName"],
            "ColumnName": row["ColumnName"],
            "IsUnique": True,
            "IsPrimary": True,
            "Type": 3,  # CData's "other" index type: the API looks objects up by id
            "SortOrder": "A",
            "FilterCondition": None,
        }
        for row in _primary_keys(config)
    ]


#: What CData's sys_sqlinfo says of its SQL, as it holds for instapd's engine.
SQL_INFO = (
    ("IDENTIFIER_QUOTE_OPEN_CHAR", "["),
    ("IDENTIFIER_QUOTE_CLOSE_CHAR", "]"),
    ("SUPPORTED_OPERATORS", "=, >, <, >=, <=, <>, !=, LIKE, NOT LIKE, IN, NOT IN, IS NULL, "
     "IS NOT NULL, AND, OR, BETWEEN"),
    ("SUPPORTED_FUNCTIONS", "the scalar functions the SQL engine allows (see instapd.sql)"),
    ("AGGREGATE_FUNCTIONS", "AVG, COUNT, MAX, MIN, SUM, DISTINCT"),
    ("COUNT", "YES"),
    ("IDENTIFIER_CASE", "MIXED"),
    ("SUPPORTS_JOINS", "YES"),
    ("SUPPORTED_JOIN_TYPES", "INNER, LEFT, RIGHT, FULL, CROSS"),
    ("SUPPORTS_CTE", "YES"),
    ("SUPPORTS_WINDOW_FUNCTIONS", "YES"),
    ("SUPPORTS_EXEC", "YES"),
    ("DML_STATEMENTS", "SELECT, INSERT, UPDATE, DELETE"),
    ("SUPPORTS_BATCH_OPERATIONS", "YES"),
    ("SQL_CAP", "SELECT, INSERT, DELETE, UPDATE, EXECUTE, JOIN, LEFT JOIN, CTE, UNION"),
    ("SUPPORTS_TRANSACTIONS", "NO"),
    ("DIALECT", "CData (brackets, EXEC) over DuckDB"),
)  # fmt: skip


def _sql_info(config: Config) -> list[dict[str, object]]:
    return [{"NAME": name, "VALUE": value} for name, value in SQL_INFO]


def _identity(connection: BaseConnection) -> list[dict[str, object]]:
    """As CData's: a row per row of the connection's last INSERT, UPDATE or DELETE (SQL or
    insert()/update()/delete()): the id made or written, its place in the batch, the
    operation, and SUCCESS or the error. Empty before the first write; a dry run leaves it."""
    return [dict(row) for row in connection.last_writes]


def _information(config: Config) -> list[dict[str, object]]:
    return [
        {
            "Product": "instapd",
            "Version": __version__,
            "Datasource": "Instagram Graph API",
            "NodeId": None,
            "HelpURL": None,
            "License": "MIT",
            "Location": config.graph_url,
            "Environment": "Python",
            "DataSyncVersion": None,
            "DataSyncCategory": None,
        }
    ]


def _procedure_parameters(config: Config) -> list[dict[str, object]]:
    return [
        {
            "CatalogName": CATALOG,
            "SchemaName": SCHEMA,
            "ProcedureName": name,
            "ColumnName": p.name,
            "Direction": p.direction,
            "DataTypeName": "bigint" if p.name == "ExpiresIn" else "varchar",
            "DataType": -5 if p.name == "ExpiresIn" else 12,
            "Ordinal": ordinal,
            "IsNullable": not p.required,
            "IsArray": False,
            "IsRequired": p.required,
            "Description": p.description,
        }
        for name, (_, parameters) in PROCEDURES.items()
        for ordinal, p in enumerate(parameters)
    ]


def _shown_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return ",".join("=".join(v) if isinstance(v, tuple) else str(v) for v in value)
    return str(value)


def _connection_props(config: Config) -> list[dict[str, object]]:
    defaults = {f.name: f.default for f in fields(Config)}
    rows: list[dict[str, object]] = []
    for ordinal, prop in enumerate(PROPERTIES):
        value = getattr(config, prop.python)
        default = defaults[prop.python]
        rows.append(
            {
                "Name": prop.cdata,
                "ShortDescription": prop.description or None,
                "Type": type(default).__name__ if default is not None else "str",
                "Default": _shown_value(default),
                "Value": "***" if prop.secret and value else _shown_value(value),
                "Required": False,
                "Category": prop.category,
                "Sensitivity": "PASSWORD" if prop.secret else None,
                "Ordinal": ordinal,
                "PythonName": prop.python,
                "EnvironmentVariable": prop.env,
                "Sensitive": prop.secret,
            }
        )
    return rows


_S, _I, _B, _T = "VARCHAR", "BIGINT", "BOOLEAN", "TIMESTAMP WITH TIME ZONE"
_WHERE = (("CatalogName", _S), ("SchemaName", _S))
#: A table's column, and the key a column refers to: shared by the key tables.
_COLUMN = (*_WHERE, ("TableName", _S), ("ColumnName", _S))
_REFERENCE = (
    ("PrimaryKeyName", _S),
    ("ForeignKeyName", _S),
    ("ReferencedCatalogName", _S),
    ("ReferencedSchemaName", _S),
    ("ReferencedTableName", _S),
    ("ReferencedColumnName", _S),
)
SYSTEM_TABLES: dict[str, SystemTable] = {
    s.name.lower(): s
    for s in (
        SystemTable(
            "sys_tables",
            "The tables and views",
            (
                *_WHERE,
                ("TableName", _S),
                ("TableType", _S),
                ("Description", _S),
                ("IsUpdateable", _B),
            ),
            _tables,
        ),
        SystemTable(
            "sys_tablecolumns",
            "The columns of every table and view",
            (
                *_WHERE,
                ("TableName", _S),
                ("ColumnName", _S),
                ("DataTypeName", _S),
                ("DataType", _I),
                ("Ordinal", _I),
                ("IsNullable", _B),
                ("IsKey", _B),
                ("IsAutoIncrement", _B),
                ("IsGeneratedColumn", _B),
                ("IsHidden", _B),
                ("IsArray", _B),
                ("IsReadOnly", _B),
                ("ColumnType", _S),
                ("IsPushedDown", _B),
                ("Description", _S),
            ),
            _table_columns,
        ),
        SystemTable(
            "sys_procedures",
            "The stored procedures",
            (*_WHERE, ("ProcedureName", _S), ("Description", _S), ("ProcedureType", _S)),
            _procedures,
        ),
        SystemTable(
            "sys_procedureparameters",
            "The stored procedures' parameters",
            (
                *_WHERE,
                ("ProcedureName", _S),
                ("ColumnName", _S),
                ("Direction", _S),
                ("DataTypeName", _S),
                ("DataType", _I),
                ("Ordinal", _I),
                ("IsNullable", _B),
                ("IsArray", _B),
                ("IsRequired", _B),
                ("Description", _S),
            ),
            _procedure_parameters,
        ),
        SystemTable(
            "sys_connection_props",
            "The connection properties and this connection's values (secrets masked)",
            (
                ("Name", _S),
                ("ShortDescription", _S),
                ("Type", _S),
                ("Default", _S),
                ("Value", _S),
                ("Required", _B),
                ("Category", _S),
                ("Sensitivity", _S),
                ("Ordinal", _I),
                ("PythonName", _S),
                ("EnvironmentVariable", _S),
                ("Sensitive", _B),
            ),
            _connection_props,
        ),
        SystemTable(
            "sys_catalogs",
            "The catalogs",
            (("CatalogName", _S),),
            lambda c: [{"CatalogName": CATALOG}],
        ),
        SystemTable(
            "sys_schemas",
            "The schemas",
            _WHERE,
            lambda c: [{"CatalogName": CATALOG, "SchemaName": SCHEMA}],
        ),
        SystemTable(
            "sys_primarykeys",
            "The primary key of every table and view",
            (*_COLUMN, ("KeySeq", _I), ("KeyName", _S)),
            _primary_keys,
        ),
        SystemTable(
            "sys_foreignkeys",
            "The columns that refer to another table's key",
            (*_COLUMN, *_REFERENCE, ("ForeignKeyType", _S)),
            _foreign_keys,
        ),
        SystemTable(
            "sys_keycolumns",
            "Primary and foreign key columns together",
            (*_COLUMN, ("IsKey", _B), ("IsForeignKey", _B), *_REFERENCE),
            _key_columns,
        ),
        SystemTable(
            "sys_indexes",
            "The indexes (each table's id)",
            (
                *_WHERE,
                ("TableName", _S),
                ("IndexName", _S),
                ("ColumnName", _S),
                ("IsUnique", _B),
                ("IsPrimary", _B),
                ("Type", _I),
                ("SortOrder", _S),
                ("FilterCondition", _S),
            ),
            _indexes,
        ),
        SystemTable(
            "sys_sqlinfo", "What the SQL engine supports", (("NAME", _S), ("VALUE", _S)), _sql_info
        ),
        SystemTable(
            "sys_identity",
            "Each row of the connection's last INSERT, UPDATE or DELETE: the id made or "
            "written, its place in the batch, the operation, SUCCESS or the error",
            (("Id", _S), ("Batch", _S), ("Operation", _S), ("Message", _S)),
            lambda config: [],
            kept=_identity,
        ),
        SystemTable(
            "sys_information",
            "The product, its version and where it connects",
            (
                ("Product", _S),
                ("Version", _S),
                ("Datasource", _S),
                ("NodeId", _S),
                ("HelpURL", _S),
                ("License", _S),
                ("Location", _S),
                ("Environment", _S),
                ("DataSyncVersion", _S),
                ("DataSyncCategory", _S),
            ),
            _information,
        ),
        SystemTable(
            "Health",
            "Each account's token, scopes, usage, last good read and last error (instapd.health)",
            (
                ("business_account_id", _S),
                ("username", _S),
                ("token_type", _S),
                ("token_valid", _B),
                ("expires_at", _T),
                ("data_access_expires_at", _T),
                ("scopes_granted", _S),
                ("scopes_missing", _S),
                ("app_usage_percent", _I),
                ("account_usage_percent", _I),
                ("last_good_read", _T),
                ("last_good_table", _S),
                ("last_error_at", _T),
                ("last_error", _S),
                ("error", _S),
            ),
            lambda config: [],
            live=True,
        ),
    )
}
