"""instapd.sql.dbapi (PEP 249) against the sandbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

import instapd
from instapd.sandbox import Sandbox
from instapd.sql import dbapi


@pytest.fixture
def db(clean_sandbox: Sandbox, account: str) -> Iterator[dbapi.Connection]:
    text = f"GraphURL={clean_sandbox.url};BusinessAccountId={account};Cache=false"
    with dbapi.connect(text, OAuthAccessToken=clean_sandbox.token) as connection:
        yield connection


def test_module_globals() -> None:
    assert (dbapi.apilevel, dbapi.paramstyle) == ("2.0", "qmark")
    assert dbapi.threadsafety in (1, 2, 3)
    assert issubclass(dbapi.ProgrammingError, dbapi.DatabaseError)
    assert issubclass(dbapi.DatabaseError, dbapi.Error)


def test_execute_fetch_and_description(db: dbapi.Connection) -> None:
    cursor = db.cursor()
    cursor.execute(
        "SELECT id, like_count, timestamp, is_comment_enabled FROM Media "
        "WHERE timestamp >= ? ORDER BY timestamp DESC LIMIT 5",
        [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)],
    )
    names = [d[0] for d in cursor.description or []]
    assert names == ["id", "like_count", "timestamp", "is_comment_enabled"]
    codes = [d[1] for d in cursor.description or []]
    assert codes[0] == dbapi.STRING
    assert codes[1] == dbapi.NUMBER
    assert codes[2] == dbapi.DATETIME
    assert cursor.rowcount == 5
    first = cursor.fetchone()
    assert first is not None
    assert isinstance(first[0], str)
    assert isinstance(first[2], dt.datetime)
    cursor.arraysize = 2
    assert len(cursor.fetchmany()) == 2
    assert len(cursor.fetchall()) == 2
    assert cursor.fetchone() is None
    db.commit()


def test_na_becomes_none(db: dbapi.Connection) -> None:
    cursor = db.cursor()
    cursor.execute("SELECT like_count FROM Media WHERE like_count IS NULL LIMIT 1")
    assert cursor.fetchall() == [(None,)]


def test_executemany_keeps_the_last_result(db: dbapi.Connection) -> None:
    cursor = db.cursor()
    cursor.executemany("SELECT ? AS x", [[1], [2]])
    assert cursor.fetchall() == [(2,)]


def test_errors_map_onto_pep_249(db: dbapi.Connection) -> None:
    cursor = db.cursor()
    with pytest.raises(dbapi.ProgrammingError, match="Did you mean Media") as caught:
        cursor.execute("SELECT * FROM Medai")
    assert isinstance(caught.value.__cause__, instapd.SqlUnknownTableError)
    with pytest.raises(dbapi.NotSupportedError, match="without WHERE"):
        cursor.execute("DELETE FROM Comments")
    with pytest.raises(dbapi.DataError):
        cursor.execute("SELECT * FROM AccountInsights WHERE period = 'fortnight'")
    with pytest.raises(dbapi.ProgrammingError):
        dbapi.connect(NoSuchProperty="x")


def test_graph_errors_are_operational(clean_sandbox: Sandbox, account: str) -> None:
    bad = dbapi.connect(
        graph_url=clean_sandbox.url, access_token="not-a-token", business_account_id=account
    )
    with pytest.raises(dbapi.OperationalError) as caught:
        bad.cursor().execute("SELECT id FROM Media LIMIT 1")
    assert isinstance(caught.value.__cause__, instapd.AuthError)


def test_closed_connections_and_cursors_refuse_work(db: dbapi.Connection) -> None:
    cursor = db.cursor()
    with pytest.raises(dbapi.ProgrammingError, match="execute"):
        cursor.fetchone()
    cursor.close()
    with pytest.raises(dbapi.InterfaceError):
        cursor.execute("SELECT 1")
    db.close()
    with pytest.raises(dbapi.InterfaceError):
        db.cursor()


def test_callproc_runs_cdata_procedures(clean_sandbox: Sandbox) -> None:
    db = dbapi.connect(
        GraphURL=clean_sandbox.url,
        OAuthClientId=clean_sandbox.oauth_app.app_id,
        OAuthClientSecret=clean_sandbox.oauth_app.app_secret,
        OAuthAuthorizationURL=clean_sandbox.dialog_url,
    )
    cursor = db.cursor()
    cursor.callproc("GetOAuthAuthorizationURL", {"CallbackURL": "http://127.0.0.1:9/cb"})
    assert [d[0] for d in cursor.description or []] == ["URL"]
    row = cursor.fetchone()
    assert row is not None
    assert "redirect_uri=http" in row[0]
    cursor.callproc("GetOAuthAuthorizationURL", ["WEB", "http://127.0.0.1:9/cb", None, "s1"])
    row = cursor.fetchone()
    assert row is not None
    assert "state=s1" in row[0]
    with pytest.raises(dbapi.ProgrammingError, match="Did you mean"):
        cursor.callproc("GetOAuthAuthorizationUrI", {})
