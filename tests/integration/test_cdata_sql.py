"""CData's SQL, run unchanged: [bracketed] names, EXEC of the stored procedures (through
instapd.sql, DB-API and SQLAlchemy), and every one of CData's sys_* tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import registry

import instapd
from instapd.errors import SqlSyntaxError
from instapd.sandbox import Sandbox
from instapd.sql import dbapi
from instapd.sql.cdata_dialect import brackets_to_quotes, parse_exec
from tests.browser_double import click_through

#: Every system table CData's drivers have.
CDATA_SYSTEM_TABLES = (
    "sys_catalogs",
    "sys_schemas",
    "sys_tables",
    "sys_tablecolumns",
    "sys_procedures",
    "sys_procedureparameters",
    "sys_keycolumns",
    "sys_foreignkeys",
    "sys_primarykeys",
    "sys_indexes",
    "sys_connection_props",
    "sys_sqlinfo",
    "sys_identity",
    "sys_information",
)


@pytest.fixture
def conn(clean_sandbox: Sandbox, account: str) -> instapd.Connection:
    return instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, BusinessAccountId=account
    )


def _oauth(sandbox: Sandbox, tmp_path: Path) -> dict[str, Any]:
    return {
        "graph_url": sandbox.url,
        "OAuthClientId": sandbox.oauth_app.app_id,
        "OAuthClientSecret": sandbox.oauth_app.app_secret,
        "OAuthAuthorizationURL": sandbox.dialog_url,
        "OAuthSettingsLocation": str(tmp_path / "token.json"),
        "Cache": False,
    }


# -- brackets ---------------------------------------------------------------------------------


def test_bracketed_names_read_as_quoted_ones(conn: instapd.Connection) -> None:
    bracketed = instapd.sql(
        "SELECT [m].[id], [caption] FROM [Media] AS [m] ORDER BY [m].[id] LIMIT 5",
        connection=conn,
    )
    quoted = instapd.sql(
        'SELECT "m"."id", "caption" FROM "Media" AS "m" ORDER BY "m"."id" LIMIT 5',
        connection=conn,
    )
    pd.testing.assert_frame_equal(bracketed, quoted)
    assert len(bracketed) == 5


def test_cdata_names_in_brackets_with_cdata_columns(clean_sandbox: Sandbox, account: str) -> None:
    conn = instapd.connect(
        graph_url=clean_sandbox.url,
        access_token=clean_sandbox.token,
        BusinessAccountId=account,
        ColumnNames="CData",
    )
    frame = instapd.sql("SELECT [Id], [Caption] FROM [Media] LIMIT 3", connection=conn)
    assert list(frame.columns) == ["Id", "Caption"]


def test_brackets_leave_indexes_lists_and_text_alone() -> None:
    query = "SELECT [x], tags[n], [1, 2], '[not a name]', \"[quoted]\" FROM [Media Insights]"
    assert brackets_to_quotes(query) == (
        'SELECT "x", tags[n], [1, 2], \'[not a name]\', "[quoted]" FROM "Media Insights"'
    )


def test_a_bracketed_insert_runs_as_cdata_writes_it(
    conn: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    media = clean_sandbox.dataset[account].edges["media"]
    comment = next(c for m in media for c in clean_sandbox.dataset[m].edges.get("comments", []))
    out = instapd.sql(
        "INSERT INTO [Replies] ([CommentId], [Text]) VALUES (?, ?)",
        connection=conn,
        params=[comment, "Thanks!"],
        dry_run=True,
    )
    assert out.loc[0, "status"] == "ok"
    assert out.loc[0, "path"] == f"{comment}/replies"


# -- EXEC -------------------------------------------------------------------------------------


def test_exec_parameters_are_read_as_cdata_writes_them() -> None:
    call = parse_exec(
        "EXECUTE [GetOAuthAccessToken] @AuthMode = 'WEB', Verifier='it''s', State=?;", ["s"]
    )
    assert call is not None
    assert call.procedure == "GetOAuthAccessToken"
    assert call.parameters == {"AuthMode": "WEB", "Verifier": "it's", "State": "s"}
    assert parse_exec("SELECT 1") is None
    with pytest.raises(SqlSyntaxError, match="Name='value'"):
        parse_exec("EXEC GetOAuthAuthorizationURL AuthMode 'WEB'")


def test_exec_returns_the_procedures_rows(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    conn = instapd.connect(**_oauth(clean_sandbox, tmp_path))
    url = instapd.sql(
        "EXEC GetOAuthAuthorizationURL AuthMode='WEB', "
        "CallbackURL='https://app.example/cb', State='s-9'",
        connection=conn,
    )
    assert list(url.columns) == ["URL"]
    assert "state=s-9" in url.loc[0, "URL"]
    landed = click_through(url.loc[0, "URL"], land=False)
    token = instapd.sql(
        "EXEC GetOAuthAccessToken AuthMode='WEB', Verifier=?, "
        "CallbackURL='https://app.example/cb', State='s-9'",
        connection=conn,
        params=[landed],
    )
    assert list(token.columns) == ["OAuthAccessToken", "ExpiresIn"]
    assert token.loc[0, "OAuthAccessToken"]


def test_exec_through_dbapi_and_sqlalchemy(
    clean_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _oauth(clean_sandbox, tmp_path)
    cursor = dbapi.connect(**settings).cursor()
    cursor.execute("EXEC GetOAuthAuthorizationURL CallbackURL='https://app.example/cb'")
    assert cursor.description is not None
    assert cursor.description[0][0] == "URL"
    (url,) = cursor.fetchone()
    assert url.startswith(clean_sandbox.dialog_url)

    registry.register("instagram", "instapd.sql.dialect", "InstagramDialect")
    monkeypatch.setenv("INSTAPD_APP_SECRET", settings.pop("OAuthClientSecret"))
    query = {k: str(v) for k, v in settings.items()}
    engine = sa.create_engine(sa.engine.URL.create("instagram", query=query))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("EXEC GetOAuthAuthorizationURL CallbackURL='https://app.example/cb'")
        ).all()
    assert rows[0][0].startswith(clean_sandbox.dialog_url)


# -- sys_* tables -----------------------------------------------------------------------------


@pytest.mark.parametrize("table", CDATA_SYSTEM_TABLES)
def test_every_cdata_system_table_answers(conn: instapd.Connection, table: str) -> None:
    frame = instapd.sql(f"SELECT * FROM [{table}]", connection=conn)
    assert len(frame.columns) > 0
    if table != "sys_identity":  # empty until the connection writes
        assert len(frame) > 0


def test_keys_and_updateable_tables_are_described(conn: instapd.Connection) -> None:
    updateable = instapd.sql(
        "SELECT TableName FROM sys_tables WHERE IsUpdateable ORDER BY TableName", connection=conn
    )["TableName"].tolist()
    assert {"Comments", "Replies"} <= set(updateable)
    assert "Media" not in updateable
    foreign = instapd.sql(
        "SELECT ReferencedTableName FROM sys_foreignkeys "
        "WHERE TableName = 'Comments' AND ColumnName = 'media_id'",
        connection=conn,
    )
    assert foreign["ReferencedTableName"].tolist() == ["IGMedia"]
    keys = instapd.sql(
        "SELECT ColumnName FROM sys_primarykeys WHERE TableName = 'Media'", connection=conn
    )
    assert keys["ColumnName"].tolist() == ["id"]
