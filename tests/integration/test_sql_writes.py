"""INSERT, UPDATE and DELETE in SQL (instapd.sql, DB-API, SQLAlchemy) against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import registry

import instapd
from instapd.sandbox import Faults, Sandbox
from instapd.sql import dbapi
from tests.support import sandbox_connection, texts_on, writes_logged

#: This module's own sandbox (the ``box`` fixture): its tests change the data.
BOX = {"seed": 17}


def _connect(box: Sandbox, **properties: str) -> instapd.Connection:
    return sandbox_connection(
        box, business_account_id=box.account_ids[0], cache=False, **properties
    )


@pytest.fixture
def conn(box: Sandbox) -> Iterator[instapd.Connection]:
    box.faults = Faults()
    with _connect(box) as connection:
        yield connection
    box.faults = Faults()


def open_media(box: Sandbox, index: int) -> str:
    media_id = box.dataset[box.account_ids[0]].edges["media"][index]
    box.dataset[media_id].values["is_comment_enabled"] = True
    return media_id


def fan_comments(box: Sandbox, media_id: str) -> list[str]:
    """Visible top-level comments by fans on ``media_id``."""
    return [
        c
        for c in box.dataset[media_id].edges.get("comments", [])
        if box.dataset[c].values["username"].startswith("fan_")
        and not box.dataset[c].values["hidden"]
    ]


def media_with_fans(box: Sandbox, count: int, skip: int = 0) -> str:
    found = [m for m in box.dataset[box.account_ids[0]].edges["media"]
             if len(fan_comments(box, m)) >= count]  # fmt: skip
    return open_media(box, box.dataset[box.account_ids[0]].edges["media"].index(found[skip]))


def test_insert_values_and_select_into_comments_and_replies(
    box: Sandbox, conn: instapd.Connection
) -> None:
    media_id = open_media(box, 0)
    out = instapd.sql(
        "INSERT INTO Comments (media_id, text) VALUES (?, ?), (?, 'Second from SQL'), (?, '')",
        connection=conn,
        params=[media_id, "First from SQL", media_id, media_id],
    )
    assert list(out.columns) == ["id", "status", "error"]
    assert out["status"].tolist() == ["ok", "ok", "error"]
    assert "empty" in out.loc[2, "error"].lower()
    assert box.dataset[out.loc[0, "id"]].values["text"] == "First from SQL"
    assert box.dataset[out.loc[1, "id"]].values["text"] == "Second from SQL"
    assert out.attrs["instapd"]["write"]["action"] == "insert"
    parent = fan_comments(box, media_with_fans(box, 1, skip=4))[0]
    replies = instapd.sql(
        "INSERT INTO Replies (text, comment_id) VALUES ('Thanks from SQL', ?)",
        connection=conn,
        params=[parent],
    )
    assert replies.loc[0, "status"] == "ok"
    assert box.dataset[replies.loc[0, "id"]].values["parent_id"] == parent
    other = open_media(box, 1)
    selected = instapd.sql(
        "INSERT INTO Comments (media_id, text) "
        "SELECT id, 'Hello ' || media_type FROM IGMedia WHERE id IN (?, ?)",
        connection=conn,
        params=[media_id, other],
    )
    assert selected["status"].tolist() == ["ok", "ok"]
    assert set(selected["id"]) <= set(box.dataset[media_id].edges["comments"]) | set(
        box.dataset[other].edges["comments"]
    )
    kind = box.dataset[other].values["media_type"]
    assert f"Hello {kind}" in texts_on(box, other)


def test_delete_by_id_and_by_other_columns(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = media_with_fans(box, 3)
    keep, *doomed = fan_comments(box, media_id)[:3]
    box.app.reset_counters()
    out = instapd.sql("DELETE FROM Comments WHERE id IN (?, ?)", connection=conn, params=doomed)
    assert out["status"].tolist() == ["ok", "ok"]
    assert set(out["id"]) == set(doomed)
    assert all(d not in box.dataset.nodes for d in doomed)
    assert keep in box.dataset.nodes
    spam = instapd.sql(
        "INSERT INTO Comments (media_id, text) VALUES (?, 'Buy spam here'), (?, 'Fine words')",
        connection=conn,
        params=[media_id, media_id],
    )
    box.app.reset_counters()
    gone = instapd.sql(
        "DELETE FROM Comments WHERE media_id = ? AND text LIKE '%spam%'",
        connection=conn,
        params=[media_id],
    )
    assert gone["id"].tolist() == [spam.loc[0, "id"]]
    assert gone.attrs["instapd"]["reads"][0]["filters"] == {"media_id": [media_id]}
    assert texts_on(box, media_id).count("Fine words") == 1
    assert "Buy spam here" not in texts_on(box, media_id)
    assert len(writes_logged(box)) == 1
    nothing = instapd.sql(
        "DELETE FROM Comments WHERE media_id = ? AND text = 'no such text'",
        connection=conn,
        params=[media_id],
    )
    assert len(nothing) == 0
    assert list(nothing.columns) == ["id", "status", "error"]
    last = box.dataset[box.account_ids[0]].edges["media"][-1]
    media = instapd.sql("DELETE FROM IGMedia WHERE id = ?", connection=conn, params=[last])
    assert media.loc[0, "status"] == "ok"
    assert last not in box.dataset[box.account_ids[0]].edges["media"]


def test_update_hides_comments_and_turns_comments_off(
    box: Sandbox, conn: instapd.Connection
) -> None:
    media_id = media_with_fans(box, 2, skip=1)
    first, second = fan_comments(box, media_id)[:2]
    out = instapd.sql(
        "UPDATE Comments SET hidden = true WHERE id = ? OR id = ?",
        connection=conn,
        params=[first, second],
    )
    assert sorted(out["id"]) == sorted([first, second])
    assert out["status"].tolist() == ["ok", "ok"]
    assert box.dataset[first].values["hidden"] is True
    again = instapd.sql("UPDATE Comments SET hidden = ? WHERE id = ?", connection=conn,
                        params=[True, first])  # fmt: skip
    assert again.loc[0, "status"] == "skipped"
    instapd.sql("UPDATE Comments SET hidden = false WHERE id = ?", connection=conn, params=[first])
    assert box.dataset[first].values["hidden"] is False
    out = instapd.sql(
        "UPDATE IGMedia SET comment_enabled = false WHERE id = ?",
        connection=conn,
        params=[media_id],
    )
    assert out.loc[0, "status"] == "ok"
    assert box.dataset[media_id].values["is_comment_enabled"] is False


def test_dry_run_and_explain_send_nothing(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 3)
    comment = fan_comments(box, media_id)[0]
    box.app.reset_counters()
    preview = instapd.sql(
        "INSERT INTO Comments (media_id, text) VALUES (?, 'Not sent')",
        connection=conn,
        params=[media_id],
        dry_run=True,
    )
    assert preview.loc[0, "method"] == "POST"
    assert preview.loc[0, "path"] == f"{media_id}/comments"
    assert preview.loc[0, "body"] == "message=Not+sent"
    plan = instapd.sql(
        "DELETE FROM Comments WHERE id = ?", connection=conn, params=[comment], explain=True
    )
    assert (plan.loc[0, "method"], plan.loc[0, "path"]) == ("DELETE", comment)
    assert plan.attrs["instapd"]["write"]["dry_run"] is True
    hidden = instapd.sql(
        "UPDATE Comments SET hidden = true WHERE id = ?", connection=conn, params=[comment],
        dry_run=True,
    )  # fmt: skip
    assert hidden.loc[0, "body"] == "hide=true"
    assert writes_logged(box) == []
    assert "Not sent" not in texts_on(box, media_id)
    assert comment in box.dataset.nodes
    assert box.dataset[comment].values["hidden"] is False


def test_cdata_names(box: Sandbox) -> None:
    media_id = open_media(box, 5)
    with _connect(box, column_names="CData") as cdata:
        out = instapd.sql(
            "INSERT INTO Comments (MediaId, Text) VALUES (?, 'Named like CData')",
            connection=cdata,
            params=[media_id],
        )
        new = out.loc[0, "id"]
        assert box.dataset[new].values["text"] == "Named like CData"
        comment = fan_comments(box, media_id)[0]
        hidden = instapd.sql(
            "UPDATE Comments SET Hidden = true WHERE Id = ?", connection=cdata, params=[comment]
        )
        assert hidden.loc[0, "status"] == "ok"
        assert box.dataset[comment].values["hidden"] is True
        gone = instapd.sql(
            "DELETE FROM Comments WHERE MediaId = ? AND Text = 'Named like CData'",
            connection=cdata,
            params=[media_id],
        )
        assert gone["id"].tolist() == [new]
        assert new not in box.dataset.nodes
        with pytest.raises(instapd.SqlUnknownColumnError, match="MediaId and Text"):
            instapd.sql("INSERT INTO Comments (MediaId, Body) VALUES ('1', 'x')", connection=cdata)


@pytest.mark.parametrize(
    ("query", "error", "words", "position"),
    [
        ("DELETE FROM Comments", instapd.SqlNotSupportedError, "WHERE id = ?", (1, 1)),
        ("UPDATE IGMedia SET comment_enabled = false", instapd.SqlNotSupportedError,
         "without WHERE", (1, 1)),
        ("DELETE FROM Media_Insights WHERE id = '1'", instapd.SqlUnknownTableError,
         "Comments, Replies and IGMedia", (1, 13)),
        ("UPDATE Comments SET text = 'x' WHERE id = '1'", instapd.SqlUnknownColumnError,
         "hidden", (1, 21)),
        ("UPDATE Comments SET hidden = NOT hidden WHERE id = '1'", instapd.SqlNotSupportedError,
         "constant", (1, 34)),
        ("INSERT INTO Comments VALUES ('1', 'x')", instapd.SqlNotSupportedError,
         "Name the columns", (1, 13)),
        ("INSERT INTO Comments (media_id, text) VALUES ('1')", instapd.SqlNotSupportedError,
         "1 values each but 2 columns", None),
        ("DELETE FROM Comments WHERE id = '1' RETURNING id", instapd.SqlNotSupportedError,
         "RETURNING", None),
    ],
)  # fmt: skip
def test_refusals_are_typed_and_point_at_the_place(
    conn: instapd.Connection,
    box: Sandbox,
    query: str,
    error: type[Exception],
    words: str,
    position: tuple[int, int] | None,
) -> None:
    box.app.reset_counters()
    with pytest.raises(error, match=words) as caught:
        instapd.sql(query, connection=conn)
    if position is not None:
        assert caught.value.position == position  # type: ignore[attr-defined]
    assert writes_logged(box) == []


def test_dbapi_rowcount_and_result_rows(box: Sandbox) -> None:
    media_id = open_media(box, 6)
    text = f"GraphURL={box.url};BusinessAccountId={box.account_ids[0]};Cache=false"
    with dbapi.connect(text, OAuthAccessToken=box.token) as db:
        cursor = db.cursor()
        cursor.execute(
            "INSERT INTO Comments (MediaId, Text) VALUES (?, ?), (?, ?)",
            [media_id, "Via DB-API", media_id, "SHOUTING TEXT"],
        )
        assert cursor.rowcount == 1
        rows = cursor.fetchall()
        assert [r[1] for r in rows] == ["ok", "error"]
        assert box.dataset[rows[0][0]].values["text"] == "Via DB-API"
        assert [d[0] for d in cursor.description or []] == ["id", "status", "error"]
        box.app.reset_counters()
        cursor.executemany(
            "INSERT INTO Comments (media_id, text) VALUES (?, ?)",
            [[media_id, "Many one"], [media_id, "Many two"], [media_id, "Many three"]],
        )
        assert cursor.rowcount == 3
        assert len(cursor.fetchall()) == 3
        assert sum("permissions" in line for line in box.app.log) == 1  # one write call
        assert len([line for line in box.app.log if line.startswith("BATCH POST")]) == 3
        cursor.execute(
            "DELETE FROM Comments WHERE id = ?",
            [rows[0][0]],
        )
        assert cursor.rowcount == 1
        with pytest.raises(dbapi.NotSupportedError, match="without WHERE") as caught:
            cursor.execute("DELETE FROM IGMedia")
        assert isinstance(caught.value.__cause__, instapd.SqlNotSupportedError)


def test_sys_identity_holds_each_row_of_the_last_write(box: Sandbox) -> None:
    media_id = open_media(box, 8)
    text = f"GraphURL={box.url};BusinessAccountId={box.account_ids[0]};Cache=false"
    with dbapi.connect(text, OAuthAccessToken=box.token) as db:
        cursor = db.cursor()
        cursor.execute("SELECT * FROM sys_identity")
        assert cursor.fetchall() == []  # nothing written yet
        cursor.execute(
            "INSERT INTO [Comments] ([MediaId], [Text]) VALUES (?, ?), (?, ?)",
            [media_id, "Counted", media_id, "SHOUTING TEXT"],
        )
        made = cursor.fetchall()[0][0]
        cursor.execute("SELECT Id, Batch, Operation, Message FROM sys_identity ORDER BY Batch")
        first, second = cursor.fetchall()
        assert first == (made, "1", "INSERT", "SUCCESS")
        assert second[1:3] == ("2", "INSERT")
        assert "capital" in second[3].lower() or "shout" in second[3].lower()
        fan = fan_comments(box, media_id)[0]
        cursor.execute("UPDATE Comments SET hidden = true WHERE id IN (?, ?)", [fan, made])
        conn = db.instapd  # the instapd connection under the DB-API one
        plan = instapd.sql(
            "DELETE FROM Comments WHERE id = ?", connection=conn, params=[made], dry_run=True
        )
        assert plan.loc[0, "status"] == "ok"
        cursor.execute("SELECT * FROM sys_identity ORDER BY Batch")
        hid, refused = cursor.fetchall()  # the UPDATE's: a dry run leaves it as it was
        assert hid == (fan, "1", "UPDATE", "SUCCESS")
        assert refused[:3] == (made, "2", "UPDATE")
        assert "cannot be hidden" in refused[3]
    plain = instapd.connect(graph_url=box.url, access_token=box.token, cache=False)
    plain.update("Comments", [{"id": fan, "hidden": False}])
    rows = instapd.sql("SELECT * FROM sys_identity", connection=plain)
    assert rows.values.tolist() == [[fan, "1", "UPDATE", "SUCCESS"]]  # update() fills it too


def test_sqlalchemy_text_statements_write(box: Sandbox) -> None:
    registry.register("instagram", "instapd.sql.dialect", "InstagramDialect")
    media_id = open_media(box, 7)
    query = {"GraphURL": box.url, "BusinessAccountId": box.account_ids[0], "Cache": "false"}
    engine = sa.create_engine(sa.engine.URL.create("instagram", password=box.token, query=query))
    with engine.connect() as connection:
        result = connection.execute(
            sa.text("INSERT INTO Comments (media_id, text) VALUES (:media, :text)"),
            {"media": media_id, "text": "Through SQLAlchemy"},
        )
        assert result.rowcount == 1
        new = result.fetchall()[0][0]
        connection.commit()
    assert box.dataset[new].values["text"] == "Through SQLAlchemy"
    with engine.begin() as connection:
        hidden = connection.execute(
            sa.text("UPDATE Comments SET hidden = true WHERE id = :id"),
            {"id": fan_comments(box, media_id)[0]},
        )
        assert hidden.rowcount == 1


def test_a_lost_answer_is_not_sent_twice(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 8)
    box.app.reset_counters()
    box.faults = Faults(write_schedule={1: "apply-then-drop"})
    out = instapd.sql(
        "INSERT INTO Comments (media_id, text) VALUES (?, 'Exactly once by SQL')",
        connection=conn,
        params=[media_id],
    )
    assert out.loc[0, "status"] == "ok", out.loc[0, "error"]
    assert texts_on(box, media_id).count("Exactly once by SQL") == 1
    assert box.dataset[out.loc[0, "id"]].values["text"] == "Exactly once by SQL"
    assert len(writes_logged(box)) == 1


def test_a_select_with_dry_run_reads_as_usual(conn: instapd.Connection) -> None:
    frame = instapd.sql("SELECT count(*) AS n FROM Media", connection=conn, dry_run=True)
    assert isinstance(frame, pd.DataFrame)
    assert frame["n"].iloc[0] > 0
