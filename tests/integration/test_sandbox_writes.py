"""The sandbox's writes over HTTP: state, errors, scopes, batches, the lost-answer fault."""

from __future__ import annotations

import json

import pytest
import requests

from instapd.sandbox import Faults, Sandbox
from tests.support import sandbox_call as call

#: This module's own sandbox (the ``box`` fixture): its tests change the data.
BOX = {"seed": 3}


def own_media(box: Sandbox, index: int = 0) -> str:
    account = box.dataset[box.account_ids[0]]
    return account.edges["media"][index]


def media_with_comments(box: Sandbox) -> tuple[str, str]:
    for media_id in box.dataset[box.account_ids[0]].edges["media"]:
        for comment_id in box.dataset[media_id].edges.get("comments", []):
            comment = box.dataset[comment_id]
            mine = comment.values["username"] == "brewlab.coffee"
            if not (mine or comment.values["hidden"] or "parent_id" in comment.values):
                return media_id, comment_id
    raise AssertionError("no visible comment")


def test_comment_reply_hide_delete_with_state(box: Sandbox) -> None:
    media_id = own_media(box)
    box.dataset[media_id].values["is_comment_enabled"] = True
    before = call(box, "GET", media_id, fields="comments_count")[1]["comments_count"]
    status, body = call(box, "POST", f"{media_id}/comments", message="Thanks for the visit!")
    assert status == 200
    assert body["id"].isdigit()
    comment_id = body["id"]
    _, page = call(box, "GET", f"{media_id}/comments", fields="id,text,username")
    assert page["data"][0] == {
        "id": comment_id,
        "text": "Thanks for the visit!",
        "username": "brewlab.coffee",
    }
    assert call(box, "GET", media_id, fields="comments_count")[1]["comments_count"] == before + 1

    _, other = media_with_comments(box)
    status, reply = call(box, "POST", f"{other}/replies", message="Glad you like it")
    assert status == 200
    _, replies = call(box, "GET", f"{other}/replies", fields="id,text,parent_id")
    assert replies["data"][-1] == {
        "id": reply["id"],
        "text": "Glad you like it",
        "parent_id": other,
    }
    # a reply to a reply lands on the top-level comment, as Meta does
    status, nested = call(box, "POST", f"{reply['id']}/replies", message="And another")
    assert status == 200
    _, replies = call(box, "GET", f"{other}/replies", fields="id")
    assert replies["data"][-1]["id"] == nested["id"]

    assert call(box, "POST", other, hide="true") == (200, {"success": True})
    assert call(box, "GET", other, fields="hidden")[1]["hidden"] is True
    status, body = call(box, "POST", f"{other}/replies", message="Hello")
    assert status == 400
    assert "hidden" in body["error"]["message"]
    assert call(box, "POST", other, hide="false") == (200, {"success": True})
    assert call(box, "GET", other, fields="hidden")[1]["hidden"] is False

    assert call(box, "DELETE", comment_id) == (200, {"success": True})
    status, body = call(box, "GET", comment_id)
    assert status == 400
    assert body["error"]["error_subcode"] == 33


def test_comment_enabled_and_delete_media(box: Sandbox) -> None:
    media_id = own_media(box, 5)
    assert call(box, "POST", media_id, comment_enabled="false") == (200, {"success": True})
    assert call(box, "GET", media_id, fields="is_comment_enabled")[1]["is_comment_enabled"] is False
    status, body = call(box, "POST", f"{media_id}/comments", message="Hi there")
    assert status == 400
    assert "disabled" in body["error"]["message"]
    call(box, "POST", media_id, comment_enabled="true")
    count = len(box.dataset[box.account_ids[0]].edges["media"])
    assert call(box, "DELETE", media_id) == (200, {"success": True})
    assert len(box.dataset[box.account_ids[0]].edges["media"]) == count - 1
    assert call(box, "GET", media_id)[0] == 400


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("", "required"),
        ("x" * 301, "300"),
        ("#a #b #c #d #e", "hashtags"),
        ("see https://a.example and https://b.example", "URL"),
        ("SHOUTING AT YOU", "capital"),
    ],
)
def test_comment_rules_are_meta_errors(box: Sandbox, message: str, words: str) -> None:
    status, body = call(box, "POST", f"{own_media(box, 1)}/comments", message=message)
    assert status == 400
    assert body["error"]["code"] == 100
    assert words in body["error"]["message"]


def test_scopes_live_media_and_other_accounts(box: Sandbox) -> None:
    media_id = own_media(box, 2)
    weak = box.issue_token(scopes=("instagram_basic", "pages_show_list"))
    status, body = call(box, "POST", f"{media_id}/comments", token=weak, message="Hi")
    assert status == 403
    assert body["error"]["code"] == 10
    no_contents = box.issue_token(scopes=("instagram_basic", "instagram_manage_comments"))
    status, body = call(box, "DELETE", media_id, token=no_contents)
    assert status == 403
    assert body["error"]["code"] == 10
    live = box.dataset[box.account_ids[0]].edges["live_media"][0]
    status, body = call(box, "POST", f"{live}/comments", message="Hi")
    assert status == 400
    assert "live" in body["error"]["message"]
    public = box.dataset[box.dataset.public_ids[0]].edges["media"][0]
    status, body = call(box, "POST", f"{public}/comments", message="Hi")
    assert status == 400
    assert body["error"]["error_subcode"] == 33
    assert call(box, "DELETE", "17999999999999999")[1]["error"]["error_subcode"] == 33


def test_writes_inside_a_batch_fail_per_operation(box: Sandbox) -> None:
    media_id = own_media(box, 3)
    box.dataset[media_id].values["is_comment_enabled"] = True
    operations = [
        {"method": "POST", "relative_url": f"{media_id}/comments", "body": "message=First%20one"},
        {"method": "POST", "relative_url": f"{media_id}/comments", "body": "message="},
        {"method": "DELETE", "relative_url": "17999999999999999"},
    ]
    response = requests.post(
        f"{box.url}/v25.0/",
        data={"batch": json.dumps(operations), "access_token": box.token},
        timeout=10,
    )
    answers = response.json()
    assert [a["code"] for a in answers] == [200, 400, 400]
    created = json.loads(answers[0]["body"])["id"]
    assert box.dataset[created].values["text"] == "First one"


def test_apply_then_drop_applies_the_write_and_loses_the_answer(box: Sandbox) -> None:
    media_id = own_media(box, 4)
    box.dataset[media_id].values["is_comment_enabled"] = True
    box.faults = Faults(schedule={box.requests_served + 1: "apply-then-drop"})
    try:
        with pytest.raises(requests.ConnectionError):
            call(box, "POST", f"{media_id}/comments", message="Lost answer")
    finally:
        box.faults = Faults()
    newest = box.dataset[box.dataset[media_id].edges["comments"][0]]
    assert newest.values["text"] == "Lost answer"
