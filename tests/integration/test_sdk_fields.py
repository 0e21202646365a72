"""Every field Meta's facebook-business SDK declares for the Instagram nodes, asked of the sandbox.

The SDK's field lists are generated from Meta's own API schema, so upgrading the SDK makes a field
Meta added show up here: refused by the sandbox, or never given a value, until the sandbox has it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from facebook_business.adobjects.abstractobject import AbstractObject
from facebook_business.adobjects.igcomment import IGComment
from facebook_business.adobjects.igcommentfromuser import IGCommentFromUser
from facebook_business.adobjects.igmedia import IGMedia
from facebook_business.adobjects.iguser import IGUser
from facebook_business.adobjects.instagraminsightsresult import InstagramInsightsResult
from facebook_business.adobjects.shadowighashtag import ShadowIGHashtag
from facebook_business.adobjects.shadowigmediabuilder import ShadowIGMediaBuilder
from facebook_business.api import FacebookAdsApi
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from instapd.sandbox import Sandbox

#: The SDK checks expansions client-side and warns about ones it cannot parse; the API takes them.
pytestmark = pytest.mark.filterwarnings("ignore:.*does not allow field:UserWarning")

NODES: dict[str, type[AbstractObject]] = {
    "IGUser": IGUser,
    "IGMedia": IGMedia,
    "IGComment": IGComment,
    "IGHashtag": ShadowIGHashtag,
    "ShadowIGMediaBuilder": ShadowIGMediaBuilder,
}
#: Fields that take arguments, asked the way Meta wants them.
WITH_ARGUMENTS = {
    "business_discovery": "business_discovery.username(bluebottle){id,username}",
    "mentioned_media": "mentioned_media.media_id(MENTION){id}",
    "mentioned_comment": "mentioned_comment.comment_id(COMMENT){id}",
}
#: Accepted and, as Meta does when they do not apply, omitted from every sandbox object.
ALWAYS_OMITTED = {
    "IGUser": {
        "collaborative_media_search",  # a search: needs its own arguments
        "legacy_instagram_user_id",  # only for accounts migrated from the Marketing API
        "mini_shop_storefront",  # no Instagram shop
        "shopping_review_status",  # no shop under review
        "business_discovery",  # computed per request (asked above with its arguments)
        "mentioned_media",
        "mentioned_comment",
    },
    "IGMedia": {
        "legacy_instagram_media_id",  # only for media migrated from the Marketing API
        "live_reactions",  # live media created through the API only
        "video_title",  # legacy IGTV
        *(f for f in vars(IGMedia.Field).values() if str(f).startswith("ingest_")),
    },
    "IGComment": {
        "legacy_instagram_comment_id",  # only for comments migrated from the Marketing API
        "user",  # only on comments the app user wrote
    },
}


def sdk_fields(cls: type[AbstractObject]) -> list[str]:
    """The field names the SDK declares (``IGComment.Field.field_from`` is ``from``)."""
    return sorted(v for k, v in vars(cls.Field).items() if not k.startswith("_"))


def _params() -> Iterator[tuple[str, str]]:
    for node, cls in NODES.items():
        for name in sdk_fields(cls):
            yield node, name


@pytest.fixture(scope="module")
def api(sandbox: Sandbox) -> FacebookAdsApi:
    """The SDK pointed at the sandbox through its session's GRAPH setting, as a user would."""
    session = FacebookSession(access_token=sandbox.token)
    session.GRAPH = sandbox.url
    return FacebookAdsApi(session, api_version=sandbox.version)


@pytest.fixture(scope="module")
def samples(sandbox: Sandbox) -> dict[str, list[str]]:
    """Ids of every kind of object the sandbox holds, per node type."""
    data = sandbox.dataset
    account = data.account_ids[0]
    media = data[account].edges["media"]
    albums = [m for m in media if data[m].edges.get("children")]
    commented = [m for m in media if data[m].edges.get("comments")]
    replies = [r for m in commented for c in data[m].edges["comments"]
               for r in data[c].edges.get("replies", [])]  # fmt: skip
    public_reel = next(m for a in data.public_ids for m in data[a].edges["media"]
                       if "view_count" in data[m].values)  # fmt: skip
    public_owner = next(str(data[a].values["username"]) for a in data.public_ids
                        if public_reel in data[a].edges["media"])  # fmt: skip
    return {
        "IGUser": list(data.account_ids),
        "IGMedia": [
            *media[:40],
            *data[account].edges["stories"],
            data[albums[0]].edges["children"][0],
            *data[account].edges["live_media"],
            *data[account].edges["tags"][:3],
        ],
        # another account's reel is read through business discovery (a direct read is 100/33)
        "public_reel": [public_reel, account, public_owner],
        "IGComment": [data[commented[0]].edges["comments"][0], replies[0]],
        "IGHashtag": [n.id for n in data.nodes.values() if n.type == "IGHashtag"][:2],
        "ShadowIGMediaBuilder": [
            n.id for n in data.nodes.values() if n.type == "ShadowIGMediaBuilder"
        ],
    }


def _mention_args(sandbox: Sandbox) -> dict[str, str]:
    data = sandbox.dataset
    username = data[data.account_ids[0]].values["username"]
    public_media = [m for a in data.public_ids for m in data[a].edges["media"]]
    mention = next(m for m in public_media if f"@{username}" in data[m].values.get("caption", ""))
    comment = next(c for m in public_media for c in data[m].edges.get("comments", []))
    return {"MENTION": mention, "COMMENT": comment}


@pytest.mark.parametrize(("node", "field"), list(_params()))
def test_the_sandbox_knows_every_field_the_sdk_declares(
    api: FacebookAdsApi, sandbox: Sandbox, samples: dict[str, list[str]], node: str, field: str
) -> None:
    obj = NODES[node](samples[node][0], api=api)
    asked = WITH_ARGUMENTS.get(field, field)
    for placeholder, value in _mention_args(sandbox).items():
        asked = asked.replace(placeholder, value)
    try:
        got = obj.api_get(fields=[asked])
    except FacebookRequestError as error:  # the message names the field the sandbox refused
        pytest.fail(f"{node}.{field}: {error.api_error_message()}")
    assert got["id"] == samples[node][0]


def _type_ok(declared: str, value: Any) -> bool:
    if declared == "string":
        return isinstance(value, str)
    if declared == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if declared == "bool":
        return isinstance(value, bool)
    if declared == "datetime":
        return isinstance(datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z"), datetime)
    if declared.startswith("list"):
        return isinstance(value, list)
    return isinstance(value, dict)  # another node or a struct: an object


def _public_media(
    api: FacebookAdsApi, media_id: str, account: str, owner: str, fields: list[str]
) -> list[dict[str, Any]]:
    """Another account's media as business discovery shows it (the public fields only)."""
    wanted = f"business_discovery.username({owner}){{media{{{','.join(fields)}}}}}"
    answer = IGUser(account, api=api).api_get(fields=[wanted])
    media = answer["business_discovery"]["media"]["data"]
    return [m for m in media if m["id"] == media_id]


@pytest.mark.parametrize("node", list(NODES))
def test_every_field_has_a_value_of_the_declared_type_somewhere(
    api: FacebookAdsApi, samples: dict[str, list[str]], node: str
) -> None:
    """All fields at once, on every kind of object, in SDK batches of 50 (as the issue asked)."""
    cls = NODES[node]
    fields = [f for f in sdk_fields(cls) if f not in WITH_ARGUMENTS]
    answers: list[dict[str, Any]] = []
    errors: list[str] = []
    for start in range(0, len(samples[node]), 50):
        batch = api.new_batch()
        for object_id in samples[node][start : start + 50]:
            cls(object_id, api=api).api_get(
                fields=fields,
                batch=batch,
                success=lambda response: answers.append(response.json()),
                failure=lambda response: errors.append(str(response.error().body())),
            )
        batch.execute()
    assert not errors
    assert len(answers) == len(samples[node])
    if node == "IGMedia":
        answers += _public_media(api, *samples["public_reel"], fields)
    seen = {name for answer in answers for name in answer}
    assert set(fields) - ALWAYS_OMITTED.get(node, set()) <= seen
    assert not seen & ALWAYS_OMITTED.get(node, set())
    declared = cls._field_types
    wrong = {(k, repr(v)) for a in answers for k, v in a.items() if not _type_ok(declared[k], v)}
    assert not wrong


def test_nested_objects_carry_the_sdk_fields(
    api: FacebookAdsApi, samples: dict[str, list[str]]
) -> None:
    """``from`` on a comment and the insights results answer with the SDK's field names."""
    comment = IGComment(samples["IGComment"][0], api=api)
    author = comment.api_get(fields=[f"from{{{','.join(sdk_fields(IGCommentFromUser))}}}"])
    assert {"id", "username"} <= set(author["from"])
    insights = IGMedia(samples["IGMedia"][0], api=api).get_insights(
        fields=sdk_fields(InstagramInsightsResult), params={"metric": ["reach", "likes"]}
    )
    assert [row["name"] for row in insights] == ["reach", "likes"]
    assert all(row["id"].startswith(samples["IGMedia"][0]) for row in insights)
