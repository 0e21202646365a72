"""A SQLAlchemy dialect for ``instagram://`` URLs, over :mod:`instapd.sql.dbapi`.

``create_engine("instagram://")`` takes its properties from the environment;
``instagram://?BusinessAccountId=178414&Sandbox=true`` gives them as query parameters (CData or
python names), and ``instagram://:TOKEN@/`` the access token, masked wherever the URL is shown.
Tables and columns are reflected from the catalog, so ``pd.read_sql``, JupySQL's ``%sql`` and BI
tools see what ``instapd.tables()`` lists.
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.engine import default
from sqlalchemy.engine.interfaces import (
    ReflectedColumn,
    ReflectedPrimaryKeyConstraint,
    ReflectedTableComment,
)
from sqlalchemy.engine.url import URL
from sqlalchemy.sql import compiler

from ..catalog import TABLES, get_table
from ..catalog.names import column_names
from ..cdata.systables import CATALOG, SCHEMA, SYSTEM_TABLES
from ..config import Config, lookup_property
from ..errors import UnknownTableError
from . import dbapi

_TYPES: dict[str, type[sqltypes.TypeEngine[Any]]] = {
    "id": sqltypes.String,
    "string": sqltypes.String,
    "datetime": sqltypes.DateTime,
    "int": sqltypes.BigInteger,
    "float": sqltypes.Float,
    "bool": sqltypes.Boolean,
    "list": sqltypes.JSON,
}


class InstagramCompiler(compiler.SQLCompiler):
    pass


class InstagramIdentifierPreparer(compiler.IdentifierPreparer):
    pass


class InstagramDialect(default.DefaultDialect):
    """``instagram://``: instapd's tables through SQL; INSERT, UPDATE and DELETE on Comments,
    Replies and IGMedia are sent as they run (commit has nothing to do)."""

    name = "instagram"
    driver = "instapd"
    supports_statement_cache = True
    supports_native_boolean = True
    supports_alter = False
    supports_sequences = False
    supports_native_decimal = False
    postfetch_lastrowid = False
    default_paramstyle = "qmark"
    statement_compiler = InstagramCompiler
    preparer = InstagramIdentifierPreparer

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        return dbapi

    def create_connect_args(self, url: URL) -> tuple[list[Any], dict[str, Any]]:
        """Properties from the query; the access token may stand in the password slot
        (``instagram://:TOKEN@/``), which SQLAlchemy and JupySQL show as ``***``."""
        properties = {k: (v[-1] if isinstance(v, tuple) else v) for k, v in url.query.items()}
        shown = [k for k in properties if lookup_property(k).secret]
        if shown:
            warnings.warn(
                f"{', '.join(shown)} in the URL's query shows wherever the URL is printed: put "
                "the token in the password slot (instagram://:TOKEN@/) or in the environment "
                "(INSTAPD_ACCESS_TOKEN, INSTAPD_APP_SECRET).",
                stacklevel=2,
            )
        if url.password:
            properties["OAuthAccessToken"] = url.password
        return [], properties

    def do_rollback(self, dbapi_connection: Any) -> None:
        pass

    def do_commit(self, dbapi_connection: Any) -> None:
        pass

    def do_ping(self, dbapi_connection: Any) -> bool:
        return True

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        return (25, 0)

    def _get_default_schema_name(self, connection: Any) -> str:
        return SCHEMA

    def get_schema_names(self, connection: Any, **kw: Any) -> list[str]:
        return [SCHEMA]

    def get_table_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        return [t.name for t in TABLES.values() if t.kind == "table"]

    def get_view_names(self, connection: Any, schema: str | None = None, **kw: Any) -> list[str]:
        views = [t.name for t in TABLES.values() if t.kind != "table"]
        return views + [s.name for s in SYSTEM_TABLES.values()]

    def has_table(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> bool:
        if table_name.lower() in SYSTEM_TABLES:
            return True
        try:
            get_table(table_name)
        except UnknownTableError:
            return False
        return True

    def get_columns(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[ReflectedColumn]:
        system = SYSTEM_TABLES.get(table_name.lower())
        if system is not None:
            kinds = {"BIGINT": sqltypes.BigInteger, "BOOLEAN": sqltypes.Boolean}
            return [
                ReflectedColumn(
                    name=n, type=kinds.get(t, sqltypes.String)(), nullable=True, default=None
                )
                for n, t in system.columns
            ]
        try:
            table = get_table(table_name)
        except UnknownTableError as exc:
            from sqlalchemy.exc import NoSuchTableError

            raise NoSuchTableError(table_name) from exc
        shown = column_names(table, _naming(connection))
        return [
            ReflectedColumn(
                name=shown[c.name],
                type=_TYPES[c.type](),
                nullable=c.name != "id",
                default=None,
                comment=c.description,
            )
            for c in table.columns
        ]

    def get_pk_constraint(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedPrimaryKeyConstraint:
        return ReflectedPrimaryKeyConstraint(constrained_columns=[], name=None)

    def get_foreign_keys(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        return []

    def get_indexes(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> list[Any]:
        return []

    def get_table_comment(
        self, connection: Any, table_name: str, schema: str | None = None, **kw: Any
    ) -> ReflectedTableComment:
        system = SYSTEM_TABLES.get(table_name.lower())
        text = system.description if system else get_table(table_name).description
        return ReflectedTableComment(text=text)


def _naming(connection: Any) -> str:
    """The ``ColumnNames`` of the connection behind a SQLAlchemy connection."""
    raw = getattr(connection, "connection", None)
    inner = getattr(raw, "dbapi_connection", raw)
    instapd = getattr(inner, "instapd", None)
    config: Config | None = getattr(instapd, "config", None)
    return config.column_names if config else "Graph"


__all__ = ["CATALOG", "InstagramDialect"]
