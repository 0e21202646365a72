"""Inbox: the newest comments, unanswered first; each action one write, rules checked as typed,
dry run shows what would be sent, the row says the result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import instapd
from instapd.errors import UsageError
from instapd.sandbox import Sandbox
from instapd.widgets.inbox import Inbox
from instapd.widgets.inbox_data import inbox_frame
from tests.support import sandbox_connection, writes_logged


@pytest.fixture
def box() -> Iterator[Sandbox]:
    with Sandbox(accounts=1, media_per_account=(6,)) as server:
        yield server


@pytest.fixture
def connection(box: Sandbox) -> instapd.Connection:
    return sandbox_connection(box)


def test_unanswered_comments_come_first_newest_first(
    connection: instapd.Connection, box: Sandbox
) -> None:
    first = inbox_frame(connection, limit=50)
    target = str(first.loc[0, "id"])
    connection.insert("Replies", [{"comment_id": target, "text": "Thank you!"}])
    frame = inbox_frame(connection, limit=50)
    assert bool(frame.loc[frame["id"] == target, "answered"].item())
    assert list(frame["answered"]) == sorted(frame["answered"])  # False (unanswered) first
    waiting = frame[~frame["answered"]]
    assert list(waiting["timestamp"]) == sorted(waiting["timestamp"], reverse=True)
    newest_posts = {str(m) for m in connection.read("Media", limit=12)["id"]}
    assert set(frame["media_id"]) <= newest_posts


def test_a_reply_is_sent_exactly_once(connection: instapd.Connection, box: Sandbox) -> None:
    inbox = Inbox(connection=connection).wait()
    row = inbox.rows[0]
    row.reply_box.value = "Thanks, glad you like it!"
    assert not row.reply_button.disabled
    row.reply_button.click()
    row.reply_button.click()  # a second click on a done row sends nothing
    row.run("reply")
    assert writes_logged(box) == [f"POST /v25.0/{row.comment_id}/replies"]
    assert row.result.value.count("Replied (reply ") == 1
    assert row.reply_button.disabled
    replies = [box.dataset[r].values["text"] for r in box.dataset[row.comment_id].edges["replies"]]
    assert replies.count("Thanks, glad you like it!") == 1


def test_rules_are_checked_as_the_user_types(connection: instapd.Connection, box: Sandbox) -> None:
    row = Inbox(connection=connection).wait().rows[0]
    row.reply_box.value = "THANK YOU ALL"
    assert row.reply_button.disabled
    assert "capital letters only" in row.result.value
    row.reply_box.value = "#a #b #c #d #e nice"
    assert "5 hashtags" in row.result.value
    row.reply_box.value = "Thank you!"
    assert not row.reply_button.disabled
    assert row.result.value == ""
    assert row.run("reply") is not None
    assert writes_logged(box) == [f"POST /v25.0/{row.comment_id}/replies"]


def test_dry_run_shows_what_would_be_sent_and_sends_nothing(
    connection: instapd.Connection, box: Sandbox
) -> None:
    inbox = Inbox(connection=connection, dry_run=True).wait()
    row = inbox.rows[0]
    row.reply_box.value = "Thanks!"
    row.reply_button.click()
    row.delete_button.click()
    assert writes_logged(box) == []
    assert f"would send: DELETE {row.comment_id}" in row.result.value
    assert row.results[0].loc[0, "path"] == f"{row.comment_id}/replies"
    assert not row.done


def test_hide_unhide_and_delete_each_write_once(
    connection: instapd.Connection, box: Sandbox
) -> None:
    inbox = Inbox(connection=connection).wait()
    row = inbox.rows[1]
    row.hide_button.click()
    assert box.dataset[row.comment_id].values["hidden"] is True
    assert row.hide_button.description == "Unhide"
    row.hide_button.click()
    assert box.dataset[row.comment_id].values["hidden"] is False
    row.delete_button.click()
    row.delete_button.click()
    assert writes_logged(box) == [
        f"POST /v25.0/{row.comment_id}",
        f"POST /v25.0/{row.comment_id}",
        f"DELETE /v25.0/{row.comment_id}",
    ]
    assert "Deleted" in row.result.value


def test_a_write_the_rules_refuse_says_why_in_its_row(
    connection: instapd.Connection, box: Sandbox
) -> None:
    inbox = Inbox(connection=connection).wait()
    row = inbox.rows[2]
    row.hide_button.click()
    row.reply_box.value = "Thanks!"
    row.reply_button.click()
    assert "Not sent:" in row.result.value
    assert "hidden" in row.result.value
    assert writes_logged(box) == [f"POST /v25.0/{row.comment_id}"]  # the hide only


def test_the_static_view_lists_the_comments(connection: instapd.Connection) -> None:
    inbox = Inbox(connection=connection).wait()
    data = inbox._repr_mimebundle_()
    data = data[0] if isinstance(data, tuple) else data
    assert data["text/html"].count("<li>") == len(inbox.rows)


def test_without_connection_the_inbox_uses_instapds_default(
    connection: instapd.Connection, box: Sandbox
) -> None:
    instapd.set_default_connection(connection)
    try:
        inbox = Inbox(account=box.account_ids[0], limit=5).wait()
    finally:
        instapd.set_default_connection(None)
    assert inbox.connection is connection
    assert inbox.account_id == box.account_ids[0]
    assert len(inbox.rows) == 5


def test_the_old_positional_connection_warns_and_two_connections_are_refused(
    connection: instapd.Connection, box: Sandbox
) -> None:
    with pytest.warns(FutureWarning, match=r"Inbox\(connection, account\) is deprecated"):
        inbox = Inbox(connection, box.account_ids[0], limit=3)
    assert inbox.wait().connection is connection
    with pytest.raises(UsageError, match="two connections"):
        Inbox(connection, connection=connection)


def test_the_status_line_counts_what_still_waits_after_each_action(
    connection: instapd.Connection,
) -> None:
    inbox = Inbox(connection=connection, limit=6).wait()
    waiting = sum(1 for r in inbox.rows if not r.comment["answered"])
    assert f"6 newest comments</b> · {waiting} without your reply" in inbox.status.value
    first, second = [r for r in inbox.rows if not r.comment["answered"]][:2]
    first.reply_box.value = "Thank you!"
    first.reply_button.click()
    assert f"6 newest comments</b> · {waiting - 1} without your reply" in inbox.status.value
    second.delete_button.click()
    assert f"5 newest comments</b> · {waiting - 2} without your reply" in inbox.status.value
