"""Writes end to end against the sandbox: rules, state checks, batches, exactly once, the cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

import instapd
from instapd.errors import (
    CommentRuleError,
    WriteScopeError,
    WriteTargetError,
)
from instapd.sandbox import Faults, Sandbox
from instapd.sandbox.data import Node
from tests.support import FAST_RETRY, sandbox_connection, texts_on, writes_logged

#: This module's own sandbox (the ``box`` fixture): its tests change the data.
BOX = {"seed": 11}


@pytest.fixture
def conn(box: Sandbox) -> Iterator[instapd.Connection]:
    box.faults = Faults()
    with sandbox_connection(box) as connection:
        yield connection
    box.faults = Faults()


def account(box: Sandbox) -> str:
    return box.account_ids[0]


def open_media(box: Sandbox, index: int) -> str:
    media_id = box.dataset[account(box)].edges["media"][index]
    box.dataset[media_id].values["is_comment_enabled"] = True
    return media_id


def fan_comment(box: Sandbox, *, hidden: bool = False, skip: int = 0) -> str:
    """A top-level comment by a fan on the first account's media."""
    found = []
    for media_id in box.dataset[account(box)].edges["media"]:
        for comment_id in box.dataset[media_id].edges.get("comments", []):
            values = box.dataset[comment_id].values
            if values["username"].startswith("fan_") and values["hidden"] == hidden:
                found.append(comment_id)
    return found[skip]


def test_insert_comments_and_replies(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 0)
    parent = fan_comment(box)
    out = conn.insert("Comments", [{"MediaId": media_id, "Text": "Thank you all!"}])
    assert list(out.columns) == ["id", "status", "error"]
    assert out.loc[0, "status"] == "ok"
    assert pd.isna(out.loc[0, "error"])
    assert box.dataset[out.loc[0, "id"]].values["text"] == "Thank you all!"
    replies = instapd.insert(
        "Replies",
        pd.DataFrame({"comment_id": [parent], "text": ["Thanks for asking"]}, index=[7]),
        connection=conn,
    )
    assert list(replies.index) == [7]
    new = box.dataset[replies.loc[7, "id"]]
    assert new.values["parent_id"] == parent
    assert new.values["username"] == box.dataset[account(box)].values["username"]


def test_validation_is_per_row_and_typed(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 1)
    live = box.dataset[account(box)].edges["live_media"][0]
    public = box.dataset[box.dataset.public_ids[0]].edges["media"][0]
    rows = [
        {"media_id": media_id, "text": "A fine neighbour"},
        {"media_id": media_id, "text": ""},
        {"media_id": media_id, "text": "x" * 301},
        {"media_id": media_id, "text": "#a #b #c #d #e"},
        {"media_id": media_id, "text": "https://a.example https://b.example"},
        {"media_id": media_id, "text": "ALL CAPS HERE"},
        {"media_id": "abc", "text": "Hello"},
        {"media_id": live, "text": "Hello"},
        {"media_id": public, "text": "Hello"},
    ]
    out = conn.insert("Comments", rows)
    assert out["status"].tolist() == ["ok"] + ["error"] * 8
    assert "300" in out.loc[2, "error"]
    assert "hashtags" in out.loc[3, "error"]
    assert "live" in out.loc[7, "error"]
    assert "another account" in out.loc[8, "error"]
    assert texts_on(box, media_id).count("A fine neighbour") == 1
    with pytest.raises(CommentRuleError):
        conn.insert("Comments", rows[1:2], on_error="raise")
    reply = fan_comment(box, skip=1)
    nested = conn.insert("Replies", [{"comment_id": reply, "text": "First"}])
    with pytest.raises(WriteTargetError, match="itself a reply"):
        conn.insert("Replies", [{"comment_id": nested.loc[0, "id"], "text": "x"}], on_error="raise")
    with pytest.raises(WriteTargetError, match="hidden"):
        conn.insert("Replies", [{"comment_id": fan_comment(box, hidden=True), "text": "Hi"}],
                    on_error="raise")  # fmt: skip


def test_on_error_raise_sends_nothing(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 2)
    box.app.reset_counters()
    rows = [{"media_id": media_id, "text": "Good"}, {"media_id": media_id, "text": "BAD ONE"}]
    with pytest.raises(CommentRuleError, match="capital"):
        conn.insert("Comments", rows, on_error="raise")
    assert writes_logged(box) == []
    assert "Good" not in texts_on(box, media_id)


def test_dry_run_previews_and_sends_nothing(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 3)
    box.app.reset_counters()
    out = conn.insert(
        "Comments",
        [{"media_id": media_id, "text": "Would be nice"}, {"media_id": media_id, "text": ""}],
        dry_run=True,
    )
    assert out.loc[0, "method"] == "POST"
    assert out.loc[0, "path"] == f"{media_id}/comments"
    assert out.loc[0, "body"] == "message=Would+be+nice"
    assert out["status"].tolist() == ["ok", "error"]
    assert writes_logged(box) == []
    assert "Would be nice" not in texts_on(box, media_id)


def test_hide_unhide_skip_and_comment_enabled(box: Sandbox, conn: instapd.Connection) -> None:
    comment = fan_comment(box, skip=2)
    out = conn.update("Comments", [{"id": comment, "hidden": True}])
    assert out.loc[0, "status"] == "ok"
    assert box.dataset[comment].values["hidden"] is True
    assert conn.update("Comments", [{"id": comment, "hidden": True}]).loc[0, "status"] == "skipped"
    conn.update("Comments", [{"id": comment, "hidden": False}])
    assert box.dataset[comment].values["hidden"] is False
    media_id = open_media(box, 4)
    out = conn.update("IGMedia", [{"id": media_id, "comment_enabled": False}])
    assert out.loc[0, "status"] == "ok"
    assert box.dataset[media_id].values["is_comment_enabled"] is False
    refused = conn.insert("Comments", [{"media_id": media_id, "text": "Hello"}])
    assert "turned off" in refused.loc[0, "error"]


def test_delete_comments_and_media(box: Sandbox, conn: instapd.Connection) -> None:
    comment = fan_comment(box, skip=3)
    out = conn.delete("Comments", pd.Series([comment, "999"], index=["a", "b"]))
    assert out.loc["a", "status"] == "ok"
    assert comment not in box.dataset.nodes
    assert out.loc["b", "status"] == "error"
    media_id = box.dataset[account(box)].edges["media"][-1]
    out = instapd.delete("IGMedia", [media_id], connection=conn)
    assert out.loc[0, "status"] == "ok"
    assert media_id not in box.dataset[account(box)].edges["media"]


def test_missing_scopes_are_refused_before_sending(box: Sandbox) -> None:
    token = box.issue_token(
        scopes=("instagram_basic", "pages_show_list", "instagram_manage_comments")
    )
    with instapd.connect(graph_url=box.url, access_token=token, retry=FAST_RETRY) as weak:
        media_id = box.dataset[account(box)].edges["media"][-1]
        with pytest.raises(WriteScopeError, match="instagram_manage_contents"):
            weak.delete("IGMedia", [media_id], on_error="raise")
    assert media_id in box.dataset[account(box)].edges["media"]


def test_batches_of_fifty_with_per_row_failures(box: Sandbox, conn: instapd.Connection) -> None:
    parent = fan_comment(box, skip=4)
    texts = [f"Reply number {n}" for n in range(120)]
    box.app.reset_counters()
    box.faults = Faults(write_op_schedule={5: "error-1"})  # Meta refuses one operation
    out = conn.insert("Replies", pd.DataFrame({"comment_id": parent, "text": texts}))
    posted = [
        line for line in box.app.log if line.startswith("POST /v25.0/") and "batch" not in line
    ]
    assert out["status"].value_counts().to_dict() == {"ok": 120}
    replies = [box.dataset[r].values["text"] for r in box.dataset[parent].edges["replies"]]
    assert sorted(t for t in replies if t.startswith("Reply number")) == sorted(texts)
    batch_writes = [line for line in box.app.log if line.startswith("BATCH POST")]
    assert len(batch_writes) == 120  # the failed one was found applied, never resent
    assert len(posted) <= 10


@pytest.mark.parametrize(
    "kind", ["comment", "reply", "hide", "unhide", "enable", "disable", "delete", "delete_media"]
)
@pytest.mark.parametrize("fault", ["apply-then-drop", "drop"])
def test_exactly_once_when_the_answer_is_lost(
    box: Sandbox, conn: instapd.Connection, kind: str, fault: str
) -> None:
    """The write is applied and its answer dropped (or dropped unapplied): it happens once."""
    media_id = open_media(box, 10)
    comment = fan_comment(box, skip=5)
    calls = {
        "comment": lambda: conn.insert("Comments", [{"media_id": media_id, "text": "Once only"}]),
        "reply": lambda: conn.insert("Replies", [{"comment_id": comment, "text": "Once only"}]),
        "hide": lambda: conn.update("Comments", [{"id": comment, "hidden": True}]),
        "unhide": lambda: conn.update("Comments", [{"id": comment, "hidden": False}]),
        "enable": lambda: conn.update("IGMedia", [{"id": media_id, "comment_enabled": True}]),
        "disable": lambda: conn.update("IGMedia", [{"id": media_id, "comment_enabled": False}]),
        "delete": lambda: conn.delete("Comments", [fan_comment(box, skip=6)]),
        "delete_media": lambda: conn.delete(
            "IGMedia", [box.dataset[account(box)].edges["media"][-1]]
        ),
    }
    if kind == "enable":
        box.dataset[media_id].values["is_comment_enabled"] = False
    if kind == "unhide":
        box.dataset[comment].values["hidden"] = True
    before_media = list(box.dataset[account(box)].edges["media"])
    before_texts = texts_on(box, media_id).count("Once only")
    before_replies = [
        box.dataset[r].values["text"] for r in box.dataset[comment].edges.get("replies", [])
    ]
    box.app.reset_counters()
    box.faults = Faults(write_schedule={1: fault})
    out = calls[kind]()
    assert out.loc[0, "status"] == "ok", out.loc[0, "error"]
    if kind == "comment":
        assert texts_on(box, media_id).count("Once only") == before_texts + 1
        assert box.dataset[out.loc[0, "id"]].values["text"] == "Once only"
    if kind == "reply":
        after = [box.dataset[r].values["text"] for r in box.dataset[comment].edges["replies"]]
        assert after.count("Once only") == before_replies.count("Once only") + 1
    if kind == "hide":
        assert box.dataset[comment].values["hidden"] is True
        box.dataset[comment].values["hidden"] = False
    if kind == "unhide":
        assert box.dataset[comment].values["hidden"] is False
    if kind in ("enable", "disable"):
        assert box.dataset[media_id].values["is_comment_enabled"] is (kind == "enable")
    if kind == "delete_media":
        assert len(box.dataset[account(box)].edges["media"]) == len(before_media) - 1
    sent = len(writes_logged(box))
    assert sent == (1 if fault == "apply-then-drop" else 2)  # resent only when not applied


def test_lost_answers_inside_a_batch_are_looked_for(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 11)
    texts = ["Same words"] * 3 + ["Other words"]
    box.faults = Faults(write_op_schedule={1: "apply-then-null", 2: "null", 4: "apply-then-null"})
    out = conn.insert("Comments", [{"media_id": media_id, "text": t} for t in texts])
    assert out["status"].tolist() == ["ok"] * 4
    assert out["id"].is_unique
    assert texts_on(box, media_id).count("Same words") == 3
    assert texts_on(box, media_id).count("Other words") == 1


def test_a_write_invalidates_the_cache(box: Sandbox, conn: instapd.Connection) -> None:
    media_id = open_media(box, 12)
    first = conn.read("Comments", account=account(box), media_id=media_id)
    assert (
        conn.read("Comments", account=account(box), media_id=media_id).attrs["instapd"]["source"]
        == "cache"
    )
    conn.insert("Comments", [{"media_id": media_id, "text": "Fresh comment"}])
    again = conn.read("Comments", account=account(box), media_id=media_id)
    assert again.attrs["instapd"]["source"] == "api"
    assert len(again) == len(first) + 1
    assert "Fresh comment" in again["text"].tolist()


def test_accessor_writes(box: Sandbox, conn: instapd.Connection) -> None:
    media = conn.read("Media", account=account(box), limit=3, cache=False)
    media = media[media["media_product_type"] == "FEED"]
    for media_id in media["id"]:
        box.dataset[media_id].values["is_comment_enabled"] = True
    out = media.ig.comment("Posted from a frame", connection=conn)
    assert out["status"].tolist() == ["ok"] * len(media)
    assert list(out.index) == list(media.index)
    comments = conn.read("Comments", account=account(box), media_id=media["id"].iloc[0])
    assert comments["text"].iloc[0] == "Posted from a frame"  # the cache entry was dropped
    fans = comments[comments["username"].str.startswith("fan_") & ~comments["hidden"]]
    assert not fans.empty
    answers = pd.Series({fans.index[0]: "Thanks, friend"})
    replied = fans.ig.reply(answers, connection=conn)
    assert list(replied.index) == [fans.index[0]]
    reply_id = replied["id"].iloc[0]
    assert box.dataset[reply_id].values["parent_id"] == fans["id"].iloc[0]
    preview = fans.ig.hide(connection=conn, dry_run=True)
    assert preview["body"].tolist() == ["hide=true"] * len(fans)
    assert not any(box.dataset[c].values["hidden"] for c in fans["id"])
    assert fans.ig.hide(connection=conn)["status"].eq("ok").all()
    assert all(box.dataset[c].values["hidden"] for c in fans["id"])
    assert fans.ig.unhide(connection=conn)["status"].eq("ok").all()
    assert media.ig.disable_comments(connection=conn)["status"].eq("ok").all()
    assert all(box.dataset[m].values["is_comment_enabled"] is False for m in media["id"])
    assert media.ig.enable_comments(connection=conn)["status"].eq("ok").all()
    gone = fans.head(1).ig.delete(connection=conn)
    assert gone["status"].tolist() == ["ok"]
    assert fans["id"].iloc[0] not in box.dataset.nodes
    with pytest.raises(instapd.UsageError, match="index labels"):
        fans.ig.reply(pd.Series({"nope": "x"}), connection=conn)


def test_cli_reply_hide_delete(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from instapd.cli import main

    monkeypatch.setenv("INSTAPD_GRAPH_URL", box.url)
    monkeypatch.setenv("INSTAPD_ACCESS_TOKEN", box.token)
    instapd.set_default_connection(None)
    first, second = fan_comment(box, skip=8), fan_comment(box, skip=9)
    assert main(["reply", first, "Thanks, see you soon", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would send POST {first}/replies message=Thanks" in out
    assert box.token not in out
    replies = len(box.dataset[first].edges.get("replies", []))
    assert main(["reply", first, "Thanks, see you soon"]) == 0
    assert len(box.dataset[first].edges["replies"]) == replies + 1
    assert main(["hide", first, second]) == 0
    assert box.dataset[first].values["hidden"]
    assert box.dataset[second].values["hidden"]
    assert main(["hide", "--unhide", first]) == 0
    assert not box.dataset[first].values["hidden"]
    capsys.readouterr()
    assert main(["delete", second, "12x"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{second}\tok"
    assert lines[1].startswith("12x\terror\t'12x' is not an Instagram comment id")
    assert second not in box.dataset.nodes


@pytest.mark.parametrize("fault", ["error-2", "throttle-4", "throttle-80002"])
def test_refused_or_failed_writes_are_sent_again_once(
    box: Sandbox, conn: instapd.Connection, fault: str
) -> None:
    """A 5xx is looked into (not applied: sent again); a throttle applied nothing: sent again."""
    media_id = open_media(box, 13)
    text = f"After {fault}"
    box.app.reset_counters()
    box.faults = Faults(write_schedule={1: fault})
    out = conn.insert("Comments", [{"media_id": media_id, "text": text}])
    assert out.loc[0, "status"] == "ok"
    assert texts_on(box, media_id).count(text) == 1
    assert len(writes_logged(box)) == 2
    looked = [line for line in box.app.log if f"GET /v25.0/{media_id}/comments" in line]
    assert len(looked) == (1 if fault == "error-2" else 0)  # only a lost answer is looked into


def _plant_comment(box: Sandbox, media_id: str, text: str, username: str, age: timedelta) -> str:
    """A comment already on the media, as if posted ``age`` ago by ``username``."""
    comment_id = f"1799{len(box.dataset.nodes):013d}"
    box.dataset.nodes[comment_id] = Node("IGComment", {
        "id": comment_id, "text": text, "username": username, "like_count": 0,
        "timestamp": datetime.now(UTC).replace(microsecond=0) - age, "hidden": False,
        "from": {"id": "6900000000000999", "username": username},
        "media": {"id": media_id, "media_product_type": "FEED"},
    })  # fmt: skip
    box.dataset[media_id].edges.setdefault("comments", []).insert(0, comment_id)
    return comment_id


@pytest.mark.parametrize(
    ("who", "age"),
    [("fan_999", timedelta(0)), (None, timedelta(days=1))],
    ids=["a fan's comment posted just now", "the account's own comment from yesterday"],
)
def test_a_lost_comment_is_not_taken_for_another_with_the_same_text(
    box: Sandbox, conn: instapd.Connection, who: str | None, age: timedelta
) -> None:
    """The look after a lost answer matches the author and the round's start, not the text
    alone: a fan's comment, or the account's own older one, with the same words is not ours."""
    media_id = open_media(box, 12)
    owner = box.dataset[account(box)].values["username"]
    text = f"Same words as {who or 'before'}"
    planted = _plant_comment(box, media_id, text, who or owner, age)
    box.app.reset_counters()
    box.faults = Faults(write_schedule={1: "drop"})  # lost, and not applied
    out = conn.insert("Comments", [{"media_id": media_id, "text": text}])
    assert out.loc[0, "status"] == "ok", out.loc[0, "error"]
    assert out.loc[0, "id"] != planted
    assert box.dataset[out.loc[0, "id"]].values["username"] == owner
    assert texts_on(box, media_id).count(text) == 2  # the planted one and ours, sent again
    assert len(writes_logged(box)) == 2
