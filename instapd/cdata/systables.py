"""CData's system tables: sys_tables, sys_tablecolumns, sys_procedures, sys_procedureparameters
and sys_connection_props, built from the catalog and the connection's configuration; and
``Health``, read over the connection (:func:`instapd.health`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from ..catalog import TABLES
from ..catalog.names import column_names
from ..config import PROPERTIES, Config

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

    def frame(self, config: Config) -> pd.DataFrame:
        names = [c for c, _ in self.columns]
        frame = pd.DataFrame(self.build(config), columns=names)
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
            "IsUpdateable": False,
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
                    "Ordinal": ordinal,
                    "IsNullable": column.name != "id",
                    "IsKey": column.name == "id",
                    "IsPushedDown": column.name in filters | {table.time_column}
                    or column.name == "business_account_id",
                    "Description": column.description,
                }
            )
    return rows


def _procedures(config: Config) -> list[dict[str, object]]:
    return [
        {"CatalogName": CATALOG, "SchemaName": SCHEMA, "ProcedureName": name, "Description": text}
        for name, (text, _) in PROCEDURES.items()
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
            "Ordinal": ordinal,
            "IsRequired": p.required,
            "Description": p.description,
        }
        for name, (_, parameters) in PROCEDURES.items()
        for ordinal, p in enumerate(parameters)
    ]


def _connection_props(config: Config) -> list[dict[str, object]]:
    defaults = {f.name: f.default for f in fields(Config)}
    rows: list[dict[str, object]] = []
    for prop in PROPERTIES:
        value = getattr(config, prop.python)
        if prop.secret and value:
            shown: object = "***"
        else:
            shown = " ".join(value) if isinstance(value, tuple) else value
        rows.append(
            {
                "Name": prop.cdata,
                "PythonName": prop.python,
                "EnvironmentVariable": prop.env,
                "Default": None if defaults[prop.python] is None else str(defaults[prop.python]),
                "Value": None if shown is None else str(shown),
                "Sensitive": prop.secret,
            }
        )
    return rows


_S, _I, _B, _T = "VARCHAR", "BIGINT", "BOOLEAN", "TIMESTAMP WITH TIME ZONE"
_WHERE = (("CatalogName", _S), ("SchemaName", _S))
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
                ("Ordinal", _I),
                ("IsNullable", _B),
                ("IsKey", _B),
                ("IsPushedDown", _B),
                ("Description", _S),
            ),
            _table_columns,
        ),
        SystemTable(
            "sys_procedures",
            "The stored procedures",
            (*_WHERE, ("ProcedureName", _S), ("Description", _S)),
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
                ("Ordinal", _I),
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
                ("PythonName", _S),
                ("EnvironmentVariable", _S),
                ("Default", _S),
                ("Value", _S),
                ("Sensitive", _B),
            ),
            _connection_props,
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
