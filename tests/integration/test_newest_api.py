"""Meta's newest API against the sandbox: the versions served today, collaborators, collaboration
invites (read, accept, decline, exactly once), is_ai_generated, and limits read from Meta."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
import requests

import instapd
from instapd.catalog.limits import LIMITS
from instapd.catalog.versions import served_versions, serving_version
from instapd.errors import GraphError, PublishRuleError, UsageError
from instapd.sandbox import Faults, Sandbox
from tests.support import sandbox_connection, writes_logged

JPEG = "https://example.com/photo.jpg"


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """A sandbox of its own: these tests answer invites and publish."""
    with Sandbox(seed=5) as server:
        yield server


@pytest.fixture
def conn(box: Sandbox) -> Iterator[instapd.Connection]:
    box.faults = Faults()
    with sandbox_connection(box, business_account_id=box.account_ids[0], cache=False) as c:
        yield c
    box.faults = Faults()


def _get(box: Sandbox, path: str, **params: str) -> requests.Response:
    return requests.get(
        f"{box.url}/{path}",
        params=params,
        headers={"Authorization": f"Bearer {box.token}"},
        timeout=10,
    )


# -- versions ---------------------------------------------------------------------------------


def test_the_versions_served_today_follow_metas_table() -> None:
    today = served_versions(date(2026, 12, 1))
    assert {"v25.0", "v26.0", "v27.0"} <= set(today)
    assert "v20.0" not in today  # expired 2026-09-24
    assert serving_version("v20.0", date(2026, 12, 1)) == "v21.0"  # the oldest one answers
    assert serving_version("v28.0", date(2026, 12, 1)) is None


@pytest.mark.parametrize("version", ["v25.0", "v26.0", "v27.0"])
def test_the_sandbox_and_the_client_speak_every_current_version(box: Sandbox, version: str) -> None:
    with sandbox_connection(box, version=version, business_account_id=box.account_ids[0]) as c:
        frame = c.read("Media", limit=3, cache=False)
    assert len(frame) == 3
    assert any(line.startswith(f"GET /{version}/") for line in box.app.log)


def test_an_expired_version_is_answered_by_the_oldest_served(box: Sandbox) -> None:
    body = _get(box, f"v19.0/{box.account_ids[0]}/media", limit="1").json()
    assert "/v21.0/" in body["paging"]["next"]  # served (and linked) as v21.0


def test_a_version_meta_never_released_is_refused(box: Sandbox) -> None:
    body = _get(box, f"v28.0/{box.account_ids[0]}").json()
    assert body["error"]["code"] == 2500
    with pytest.raises(UsageError, match=r"v26\.0, v27\.0"):
        instapd.connect(Version="28", access_token="x")


def test_multi_id_reads_end_at_v26(box: Sandbox) -> None:
    ids = ",".join(box.dataset[box.account_ids[0]].edges["media"][:2])
    assert _get(box, "v25.0/", ids=ids).status_code == 200
    assert _get(box, "v26.0/", ids=ids).json()["error"]["code"] == 100


# -- collaborators and invites ----------------------------------------------------------------


def test_collaborators_are_read_for_every_post_and_by_media_id(
    box: Sandbox, conn: instapd.Connection
) -> None:
    every = conn.read("Collaborators")
    assert len(every) > 0
    assert set(every["invite_status"]) <= {"Accepted", "Pending", "Declined"}
    stored = [
        box.dataset[f"collab:{m}:{i}"].values["invite_status"]
        for m, i in zip(every["media_id"], every["id"], strict=True)
    ]
    assert every["invite_status"].tolist() == stored  # one user, another status on each post
    assert every.groupby("id")["invite_status"].nunique().max() > 1
    assert str(every["id"].dtype) == "string"
    media_id = every.loc[0, "media_id"]
    one = conn.read("Collaborators", media_id=media_id)
    expected = [
        box.dataset[k].values["username"] for k in box.dataset[media_id].edges["collaborators"]
    ]
    assert one["username"].tolist() == expected
    assert (one["media_id"] == media_id).all()


def test_invites_are_listed_accepted_and_declined_once(
    box: Sandbox, conn: instapd.Connection
) -> None:
    invites = conn.read("CollaborationInvites")
    assert len(invites) >= 3
    first, second = invites.loc[0, "media_id"], invites.loc[1, "media_id"]
    rows = [
        {"media_id": first, "accept": True},
        {"media_id": second, "accept": False},
        {"media_id": "17999999999999999", "accept": True},
    ]
    preview = conn.update("CollaborationInvites", rows, dry_run=True)
    assert preview["status"].tolist() == ["ok", "ok", "error"]
    assert preview.loc[0, "path"] == f"{box.account_ids[0]}/collaboration_invites"
    assert preview.loc[1, "body"] == f"media_id={second}&accept=false"
    assert len(conn.read("CollaborationInvites")) == len(invites)  # the preview sent nothing
    done = conn.update("CollaborationInvites", rows)
    assert done["status"].tolist() == ["ok", "ok", "error"]
    assert "pending collaboration invite" in done.loc[2, "error"]
    account = box.account_ids[0]
    status = {
        m: box.dataset[f"collab:{m}:{account}"].values["invite_status"] for m in (first, second)
    }
    assert status == {first: "Accepted", second: "Declined"}
    left = conn.read("CollaborationInvites")["media_id"].tolist()
    assert first not in left
    assert second not in left
    again = conn.update("CollaborationInvites", [{"media_id": first, "accept": True}])
    assert again.loc[0, "status"] == "error"  # answered already: refused before sending


def _invite(box: Sandbox) -> str:
    """A new pending invite to the first account: the second publishes a post naming it."""
    me = box.dataset[box.account_ids[0]].values["username"]
    with sandbox_connection(box, business_account_id=box.account_ids[1], cache=False) as other:
        row = instapd.publish(image_url=JPEG, collaborators=[me], connection=other)
    return str(row.loc[0, "id"])


def _status(box: Sandbox, media_id: str) -> str:
    return str(box.dataset[f"collab:{media_id}:{box.account_ids[0]}"].values["invite_status"])


def test_sql_update_answers_invites_with_dry_run_and_a_row_each(
    box: Sandbox, conn: instapd.Connection
) -> None:
    first, second, third = _invite(box), _invite(box), _invite(box)
    preview = instapd.sql(
        "UPDATE [CollaborationInvites] SET [Accept] = true WHERE [media_id] IN (?, ?)",
        connection=conn,
        params=[first, second],
        dry_run=True,
    )
    assert preview["status"].tolist() == ["ok", "ok"]
    assert preview.loc[0, "body"] == f"media_id={first}&accept=true"
    assert _status(box, first) == _status(box, second) == "Pending"  # the preview sent nothing
    done = instapd.sql(
        "UPDATE CollaborationInvites SET accept = true WHERE media_id IN (?, ?)",
        connection=conn,
        params=[first, "17999999999999999"],
    )
    assert done["status"].tolist() == ["ok", "error"]  # one row each; the stranger's refused
    assert "pending collaboration invite" in done.loc[1, "error"]
    assert _status(box, first) == "Accepted"
    declined = instapd.sql(  # any WHERE: the invites it selects are read first
        "UPDATE CollaborationInvites SET invite_status = 'Declined' WHERE media_id = ? "
        "OR media_id = ?",
        connection=conn,
        params=[second, third],
    )
    assert declined["status"].tolist() == ["ok", "ok"]
    assert (_status(box, second), _status(box, third)) == ("Declined", "Declined")
    assert declined.attrs["instapd"]["write"]["table"] == "CollaborationInvites"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("UPDATE CollaborationInvites SET accept = 'maybe' WHERE media_id = '1'", "true or false"),
        (
            "UPDATE CollaborationInvites SET invite_status = 'Pending' WHERE media_id = '1'",
            "'Accepted' or 'Declined'",
        ),
        ("UPDATE CollaborationInvites SET caption = 'x' WHERE media_id = '1'", "takes accept"),
        ("UPDATE CollaborationInvites SET accept = true", "without WHERE"),
    ],
)
def test_sql_update_of_invites_refuses_bad_values_naming_the_valid_ones(
    conn: instapd.Connection, query: str, says: str
) -> None:
    with pytest.raises(instapd.SqlError, match=says):
        instapd.sql(query, connection=conn)


@pytest.mark.parametrize("fault", ["apply-then-drop", "drop"])
def test_an_answer_whose_reply_is_lost_is_sent_once(
    box: Sandbox, conn: instapd.Connection, fault: str
) -> None:
    media_id = conn.read("CollaborationInvites")["media_id"].iloc[-1]
    box.app.reset_counters()
    box.faults = Faults(write_schedule={1: fault})
    out = conn.update("CollaborationInvites", [{"media_id": media_id, "accept": True}])
    assert out.loc[0, "status"] == "ok", out.loc[0, "error"]
    node = box.dataset[f"collab:{media_id}:{box.account_ids[0]}"]
    assert node.values["invite_status"] == "Accepted"
    sent = [line for line in writes_logged(box) if "collaboration_invites" in line]
    assert len(sent) == (1 if fault == "apply-then-drop" else 2)  # resent only when not applied


def test_collaborators_named_at_publishing_are_invited_and_ai_labels_kept(
    box: Sandbox, conn: instapd.Connection
) -> None:
    other = box.dataset[box.account_ids[1]].values["username"]
    row = instapd.publish(
        image_url=JPEG,
        caption="With friends",
        collaborators=[other],
        is_ai_generated=True,
        connection=conn,
    )
    media_id = row.loc[0, "id"]
    collaborators = conn.read("Collaborators", media_id=media_id)
    assert collaborators[["username", "invite_status"]].values.tolist() == [[other, "Pending"]]
    media = conn.read("IGMedia", id=media_id)
    assert bool(media.loc[0, "is_ai_generated"]) is True


ADDONS = {
    "title": "Spring launch",
    "cross_post_to_threads": True,
    "audio_configuration": {"audio_type": "original", "volume": 0.8},
    "poll_attachment": {"question": "Which one?", "options": ["Red", "Blue"]},
    "is_ai_generated": False,
}


def test_publishing_add_ons_reach_meta_as_its_fields(
    box: Sandbox, conn: instapd.Connection
) -> None:
    from instapd.widgets.composer_data import post_fields

    fields = post_fields("image", [JPEG], "Launch day", **ADDONS)  # the composer's fields
    row = instapd.publish(**fields, connection=conn)
    assert row.loc[0, "status"] == "PUBLISHED"
    sent = box.publishing.containers[row.loc[0, "container_id"]].params
    assert sent["title"] == "Spring launch"
    assert sent["cross_post_to_threads"] == "true"
    assert sent["is_ai_generated"] == "false"
    assert json.loads(sent["audio_configuration"]) == ADDONS["audio_configuration"]
    assert json.loads(sent["poll_attachment"]) == ADDONS["poll_attachment"]
    again = instapd.publish(  # a JSON object may come as its text, and goes as the same JSON
        image_url=JPEG, poll_attachment=json.dumps(ADDONS["poll_attachment"]), connection=conn
    )
    sent = box.publishing.containers[again.loc[0, "container_id"]].params
    assert json.loads(sent["poll_attachment"]) == ADDONS["poll_attachment"]


def test_sql_insert_into_igmedia_publishes_with_the_add_ons(
    box: Sandbox, conn: instapd.Connection
) -> None:
    query = (
        "INSERT INTO [IGMedia] ([image_url], [caption], [title], [cross_post_to_threads], "
        "[poll_attachment]) VALUES (?, ?, ?, true, ?)"
    )
    poll = json.dumps(ADDONS["poll_attachment"])
    params = [JPEG, "Through SQL", "From SQL", poll]
    before = len(box.publishing.containers)
    plan = instapd.sql(query, connection=conn, params=params, dry_run=True)
    assert plan.loc[0, "status"] == "ok"
    assert plan.loc[0, "path"] == f"{box.account_ids[0]}/media"
    assert "title=From+SQL" in plan.loc[0, "body"]
    assert "cross_post_to_threads=true" in plan.loc[0, "body"]
    assert len(box.publishing.containers) == before  # the dry run sent nothing
    done = instapd.sql(query, connection=conn, params=params)
    assert done.loc[0, "status"] == "PUBLISHED"
    sent = box.publishing.containers[done.loc[0, "container_id"]].params
    assert (sent["title"], sent["cross_post_to_threads"]) == ("From SQL", "true")
    assert json.loads(sent["poll_attachment"]) == ADDONS["poll_attachment"]
    identity = instapd.sql("SELECT Id, Operation, Message FROM sys_identity", connection=conn)
    assert identity.values.tolist() == [[done.loc[0, "id"], "INSERT", "SUCCESS"]]
    with pytest.raises(instapd.SqlError, match="A post takes the columns"):
        instapd.sql("INSERT INTO IGMedia (image_url, likes) VALUES (?, 3)", connection=conn,
                    params=[JPEG])  # fmt: skip
    refused = instapd.sql(
        "INSERT INTO IGMedia (image_url, title) VALUES (?, '')", connection=conn, params=[JPEG],
        dry_run=True,
    )  # fmt: skip
    assert refused.loc[0, "status"] == "error"
    assert "title= takes text" in refused.loc[0, "error"]


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("cross_post_to_threads", "yes", "True or False"),
        ("is_ai_generated", 1, "True or False"),
        ("audio_configuration", [1, 2], "a dict"),
        ("poll_attachment", "not json", "a dict"),
        ("title", "  ", "text"),
        ("title", 7, "text"),
    ],
)
def test_bad_add_ons_are_refused_before_sending(
    box: Sandbox, conn: instapd.Connection, name: str, value: object, says: str
) -> None:
    from instapd.widgets.composer_data import post_fields

    before = len(box.publishing.containers)
    with pytest.raises(PublishRuleError, match=f"{name}= takes {says}") as caught:
        instapd.publish(image_url=JPEG, connection=conn, **{name: value})
    assert caught.value.rule == name
    with pytest.raises(PublishRuleError, match=f"{name}= takes"):
        post_fields("image", [JPEG], "", **{name: value})
    assert len(box.publishing.containers) == before  # nothing was sent


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("cross_post_to_threads", "maybe", "must be a boolean"),
        ("poll_attachment", "[1]", "must be a JSON object"),
        ("audio_configuration", "{", "must be a JSON object"),
    ],
)
def test_the_sandbox_checks_the_add_ons_as_meta_does(
    box: Sandbox, name: str, value: str, says: str
) -> None:
    answer = requests.post(
        f"{box.url}/v25.0/{box.account_ids[0]}/media",
        data={"image_url": JPEG, name: value},
        headers={"Authorization": f"Bearer {box.token}"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert says in answer.json()["error"]["message"]


# -- limits read from Meta, or kept as data ---------------------------------------------------


def test_the_sandbox_serves_a_quota_other_than_100(box: Sandbox, conn: instapd.Connection) -> None:
    limit = conn.read("ContentPublishingLimit")
    assert int(limit.loc[0, "quota_total"]) == 50


def test_publishing_refuses_at_the_quota_meta_reports(
    box: Sandbox, conn: instapd.Connection
) -> None:
    used = int(conn.read("ContentPublishingLimit").loc[0, "quota_usage"])
    box.publishing.quota_total = used + 150  # more than any number written down
    try:
        row = instapd.publish(image_url=JPEG, connection=conn)
        assert row.loc[0, "status"] == "PUBLISHED"
        box.publishing.quota_total = used + 1  # now full
        with pytest.raises(GraphError, match=f"of its {used + 1} posts"):
            instapd.publish(image_url=JPEG, connection=conn)
    finally:
        box.publishing.quota_total = 50


def test_caption_limits_come_from_the_catalog(conn: instapd.Connection) -> None:
    most = LIMITS["caption_hashtags"].value
    assert "graph-api.md" in LIMITS["caption_hashtags"].source
    tags = " ".join(f"#t{i}" for i in range(most + 1))
    with pytest.raises(PublishRuleError, match=f"at most {most} hashtags"):
        instapd.publish(image_url=JPEG, caption=tags, connection=conn)
