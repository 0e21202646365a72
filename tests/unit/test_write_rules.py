"""Write rules and planning, without the network: typed refusals, column names, row labels."""

from __future__ import annotations

import pandas as pd
import pytest

from instapd.errors import CommentRuleError, UsageError, WriteError, WriteTargetError
from instapd.writes.plan import plan_delete, plan_insert, plan_update
from instapd.writes.results import result_frame
from instapd.writes.rules import check_flag, check_id, check_text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("a" * 301, "301 characters"),
        ("#one #two #three #four #five", "5 hashtags"),
        ("https://a.example and www.b.example", "2 links"),
        ("LOUD NOISES!", "capital letters"),
    ],
)
def test_comment_rules(text: str | None, words: str) -> None:
    with pytest.raises(CommentRuleError, match=words):
        check_text(text)


@pytest.mark.parametrize(
    "text", ["a" * 300, "#one #two #three #four", "see https://a.example", "OK then", "A", "🙂"]
)
def test_comments_within_the_rules_pass(text: str) -> None:
    assert check_text(f" {text} ") == text


def test_ids_and_flags() -> None:
    assert check_id(" 17900000000000001 ", "comment") == "17900000000000001"
    for bad in ("", None, "17x", "-1", pd.NA):
        with pytest.raises(WriteTargetError):
            check_id(bad, "comment")
    assert check_flag(True, "hidden") is True
    assert check_flag(pd.array([False], dtype="boolean")[0], "hidden") is False
    for bad in ("yes", 1, None, pd.NA):
        with pytest.raises(WriteError, match="True or False"):
            check_flag(bad, "hidden")


def test_plans_take_cdata_names_and_keep_row_labels() -> None:
    rows = pd.DataFrame({"MediaId": ["1", "x"], "Text": ["Hello", "Hi"]}, index=["a", "b"])
    items = plan_insert("comments", rows)
    assert [(i.row, i.target, i.text, i.status) for i in items] == [
        ("a", "1", "Hello", None),
        ("b", "", None, "error"),
    ]
    assert items[0].request() == ("POST", "1/comments", {"message": "Hello"})
    reply = plan_insert("Replies", [{"CommentId": 5, "message": "Thanks"}])[0]
    assert reply.request() == ("POST", "5/replies", {"message": "Thanks"})
    hide = plan_update("Comments", [{"id": "7", "hidden": True}])[0]
    assert hide.request() == ("POST", "7", {"hide": "true"})
    enabled = plan_update("IGMedia", [{"id": "8", "is_comment_enabled": False}])[0]
    assert enabled.request() == ("POST", "8", {"comment_enabled": "false"})
    deletes = plan_delete("IGMedia", pd.Series(["9"], index=[4]))
    assert [(d.row, d.request()) for d in deletes] == [(4, ("DELETE", "9", {}))]


def test_bad_calls_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="missing: text"):
        plan_insert("Comments", [{"media_id": "1"}])
    with pytest.raises(UsageError, match="Comments, Replies, IGMedia and CollaborationInvites"):
        plan_delete("Stories", ["1"])
    with pytest.raises(UsageError, match="Comments or Replies"):
        plan_insert("IGMedia", [{"media_id": "1", "text": "x"}])
    with pytest.raises(UsageError, match="id column"):
        plan_delete("Comments", pd.DataFrame({"x": ["1"]}))


def test_result_frame_is_typed_and_indexed_like_the_input() -> None:
    items = plan_delete("Comments", pd.Series(["1", "bad"], index=[10, 11]))
    items[0].done()
    frame = result_frame(items)
    assert list(frame.index) == [10, 11]
    assert frame.dtypes.astype(str).tolist() == ["string", "string", "string"]
    assert frame["status"].tolist() == ["ok", "error"]
    assert frame.loc[11, "id"] == "bad"
    assert "digits only" in frame.loc[11, "error"]
    assert pd.isna(frame.loc[10, "error"])
