"""The instagram:// SQLAlchemy dialect: engines, reflection, pd.read_sql, against the sandbox."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import registry

from instapd.sandbox import Sandbox
from instapd.sql.dialect import InstagramDialect

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _dialect() -> None:
    """The entry point registers the dialect once instapd is installed; a checkout on
    PYTHONPATH has no entry points, so register the same class by hand."""
    registry.register("instagram", "instapd.sql.dialect", "InstagramDialect")


@pytest.fixture
def engine(clean_sandbox: Sandbox, account: str) -> sa.Engine:
    query = {"GraphURL": clean_sandbox.url, "BusinessAccountId": account, "Cache": "false"}
    url = sa.engine.URL.create("instagram", password=clean_sandbox.token, query=query)
    return sa.create_engine(url)


def test_the_entry_point_names_the_dialect() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["sqlalchemy.dialects"]["instagram"]
    module, name = target.split(":")
    assert getattr(importlib.import_module(module), name) is InstagramDialect
    assert "sqlalchemy" in " ".join(project["project"]["optional-dependencies"]["sql"])


def test_properties_come_from_the_environment(
    clean_sandbox: Sandbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INSTAPD_GRAPH_URL", clean_sandbox.url)
    monkeypatch.setenv("INSTAPD_ACCESS_TOKEN", clean_sandbox.token)
    monkeypatch.setenv("INSTAPD_BUSINESS_ACCOUNT_ID", account)
    engine = sa.create_engine("instagram://")
    frame = pd.read_sql("SELECT count(*) AS n FROM Media", engine)
    assert frame["n"].iloc[0] == len(clean_sandbox.dataset[account].edges["media"])


def test_read_sql_with_parameters(engine: sa.Engine, clean_sandbox: Sandbox, account: str) -> None:
    first = clean_sandbox.dataset[account].edges["media"][0]
    with engine.connect() as connection:
        frame = pd.read_sql(
            sa.text("SELECT id, media_type FROM IGMedia WHERE id = :id"),
            connection,
            params={"id": first},
        )
    assert frame["id"].tolist() == [first]


def test_reflection_lists_tables_and_typed_columns(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert inspector.get_table_names() == ["CollaborationInvites", "Comments", "Replies"]
    assert {"Media", "MediaInsights", "sys_tables"} <= set(inspector.get_view_names())
    columns = {c["name"]: c["type"] for c in inspector.get_columns("Media")}
    assert isinstance(columns["timestamp"], sa.DateTime)
    assert isinstance(columns["like_count"], sa.BigInteger)
    assert inspector.has_table("comments")
    assert not inspector.has_table("Nope")


def test_core_select_on_a_reflected_table(engine: sa.Engine) -> None:
    media = sa.Table("Media", sa.MetaData(), autoload_with=engine)
    query = (
        sa.select(media.c.id, media.c.like_count)
        .where(media.c.timestamp >= "2020-01-01")
        .order_by(media.c.like_count.desc())
        .limit(3)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).fetchall()
        total = connection.execute(sa.select(sa.func.count()).select_from(media)).scalar()
    assert len(rows) == 3
    assert rows[0][1] >= rows[1][1] >= rows[2][1]
    assert total == 160


def test_errors_come_through_sqlalchemy(engine: sa.Engine) -> None:
    with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="Medai"):
        connection.execute(sa.text("SELECT * FROM Medai"))


def test_reflection_follows_column_names(clean_sandbox: Sandbox, account: str) -> None:
    query = {"GraphURL": clean_sandbox.url, "BusinessAccountId": account, "ColumnNames": "CData"}
    url = sa.engine.URL.create("instagram", password=clean_sandbox.token, query=query)
    engine = sa.create_engine(url)
    names = [c["name"] for c in sa.inspect(engine).get_columns("Comments")]
    assert names[:4] == ["InstagramBusinessAccountId", "MediaId", "Id", "Text"]
    comments = sa.Table("Comments", sa.MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(comments.c.Id, comments.c.Created).limit(2)).fetchall()
    assert len(rows) == 2


def test_the_token_goes_in_the_password_slot_and_never_shows(
    clean_sandbox: Sandbox, account: str
) -> None:
    query = {"GraphURL": clean_sandbox.url, "BusinessAccountId": account}
    url = sa.engine.URL.create("instagram", password=clean_sandbox.token, query=query)
    engine = sa.create_engine(url)
    assert clean_sandbox.token not in repr(engine)
    assert clean_sandbox.token not in str(engine.url)
    assert len(pd.read_sql("SELECT id FROM Media LIMIT 2", engine)) == 2
    leaky = sa.engine.URL.create("instagram", query={"OAuthAccessToken": "abc"})
    with pytest.warns(UserWarning, match="password slot"):
        sa.create_engine(leaky)
