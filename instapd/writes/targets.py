"""The look before writing: scopes granted, and the state of every object a write touches.

Two rounds of batched reads: the comments written to (``hidden``, ``parent_id``, their media),
then every media involved (``owner``, ``media_product_type``, ``is_comment_enabled``). A write
that Meta would refuse, or that would change nothing, is settled here and never sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..catalog.schemes import scopes_for
from ..config import FACEBOOK_LOGIN
from ..errors import (
    DOCS_APP_GUIDE,
    GraphError,
    IdMixupError,
    InvalidParameterError,
    NotFoundError,
    WriteScopeError,
    WriteTargetError,
)
from .plan import (
    ANSWER_INVITE,
    COMMENT,
    COMMENT_ENABLED,
    HIDE,
    ON_COMMENTS,
    REPLY,
    SCOPES,
    Item,
)

if TYPE_CHECKING:
    from ..auth.credentials import Credentials
    from ..graph import GraphClient

COMMENT_FIELDS = "id,hidden,parent_id,media,username"
MEDIA_FIELDS = "id,owner,media_product_type,is_comment_enabled,username"
#: A field only the other kind has: asked when a read refuses the fields (#100, "nonexisting
#: field ... on node type"), to tell a media id given for a comment id, and the reverse.
PROBE_FIELDS = {True: "id,media_type", False: "id,parent_id,text"}


def granted_scopes(client: GraphClient) -> set[str] | None:
    """The scopes the token carries; None when the API will not say (then Meta decides)."""
    try:
        body = client.get("me/permissions")
    except GraphError:
        return None
    return {p.get("permission") for p in body.get("data") or [] if p.get("status") == "granted"}


def instagram_granted(credentials: Credentials | None) -> set[str] | None:
    """Instagram Login cannot list permissions: the scopes the login was granted, if known."""
    if credentials is None or not credentials.scopes:
        return None
    return set(credentials.scopes)


def check_scopes(items: list[Item], granted: set[str] | None, scheme: str = FACEBOOK_LOGIN) -> None:
    """``granted`` holds ``scheme``'s scope names; a write's scope is named as ``scheme`` has it."""
    for item in _pending(items):
        needed = SCOPES[item.kind]
        named = scopes_for((needed,), scheme)
        if not named:
            item.fail(
                WriteScopeError(
                    f"This write needs the {needed} permission, which only Facebook Login "
                    f"grants: connect with AuthScheme=FacebookLogin. See {DOCS_APP_GUIDE}"
                )
            )
        elif granted is not None and named[0] not in granted:
            item.fail(
                WriteScopeError(
                    f"This write needs the {named[0]} permission, which the token lacks: add "
                    f"it to the Scope property and log in again. See {DOCS_APP_GUIDE}"
                )
            )


def check_targets(client: GraphClient, items: list[Item], own: dict[str, str]) -> None:
    """Settle what can be settled before sending; ``own`` maps account ids to usernames."""
    answers = [i for i in _pending(items) if i.kind == ANSWER_INVITE]
    if answers:
        _check_invites(client, answers, own)
    items = [i for i in items if i.kind != ANSWER_INVITE]
    comments = _read(client, {i.target for i in _pending(items) if i.kind in ON_COMMENTS}, True)
    for item in _pending(items):
        if item.kind in ON_COMMENTS:
            found = comments[item.target]
            if isinstance(found, Exception):
                item.fail(found)
            else:
                item.media_id = str((found.get("media") or {}).get("id") or "")
                item.extra["comment"] = found
        else:
            item.media_id = item.target
    media = _read(client, {i.media_id for i in _pending(items) if i.media_id}, False)
    for item in _pending(items):
        found = media.get(item.media_id or "")
        if found is None or isinstance(found, Exception):
            item.fail(found or _not_found(item.target, "comment"))
            continue
        owner = str((found.get("owner") or {}).get("id") or "")
        if owner not in own:
            item.fail(
                WriteTargetError(
                    f"Media {item.media_id} belongs to another account "
                    f"({found.get('username') or 'not one of yours'}); instapd writes only to "
                    "the accounts of this connection (account=)."
                )
            )
            continue
        item.account, item.author = owner, own[owner]
        _check_state(item, found, item.extra.get("comment") or {})


def pending_invites(client: GraphClient, account: str) -> set[str]:
    """The media ids of the invites ``account`` has not answered yet."""
    pages = client.pages(f"{account}/collaboration_invites", {"fields": "media_id", "limit": 100})
    return {str(row.get("media_id")) for page in pages for row in page.data}


def _check_invites(client: GraphClient, items: list[Item], own: dict[str, str]) -> None:
    """Each invite must be pending on one of ``own``: that account answers it."""
    waiting = {account: pending_invites(client, account) for account in own}
    for item in items:
        account = next((a for a, media in waiting.items() if item.target in media), None)
        if account is None:
            item.fail(
                WriteTargetError(
                    f"No account of this connection has a pending collaboration invite for "
                    f"media {item.target}: it was answered already, or never sent. "
                    "read_instagram('CollaborationInvites') lists the pending ones."
                )
            )
        else:
            item.account, item.author, item.media_id = account, own[account], item.target


def _check_state(item: Item, media: dict[str, Any], comment: dict[str, Any]) -> None:
    if media.get("media_product_type") == "LIVE" or media.get("media_type") == "BROADCAST":
        item.fail(
            WriteTargetError(
                f"Media {item.media_id} is live; Instagram takes no comment writes on live "
                "media (use private replies)."
            )
        )
    elif item.kind == COMMENT and media.get("is_comment_enabled") is False:
        item.fail(
            WriteTargetError(
                f"Comments are turned off on media {item.media_id}; turn them on first with "
                "update('IGMedia', [{'id': ..., 'comment_enabled': True}])."
            )
        )
    elif item.kind == REPLY and comment.get("parent_id"):
        item.fail(
            WriteTargetError(
                f"Comment {item.target} is itself a reply; Instagram would attach the answer to "
                f"the top-level comment, so reply to {comment['parent_id']} instead."
            )
        )
    elif item.kind == REPLY and comment.get("hidden"):
        item.fail(
            WriteTargetError(
                f"Comment {item.target} is hidden and Instagram takes no replies to hidden "
                "comments; unhide it first."
            )
        )
    elif item.kind == HIDE and item.flag and comment.get("username") == item.author:
        item.fail(
            WriteTargetError(
                f"Comment {item.target} is by the media's owner, whose comments Instagram "
                "always shows: it cannot be hidden."
            )
        )
    elif (item.kind == HIDE and bool(comment.get("hidden")) == item.flag) or (
        item.kind == COMMENT_ENABLED and media.get("is_comment_enabled") is item.flag
    ):
        item.done("skipped")


def _read(client: GraphClient, ids: set[str], comments: bool) -> dict[str, Any]:
    """Each object's fields, or the error reading it gave."""
    ordered = sorted(ids)
    fields = COMMENT_FIELDS if comments else MEDIA_FIELDS
    outcomes = client.batch([(i, {"fields": fields}) for i in ordered]) if ordered else []
    kind = "comment" if comments else "media"
    found = {
        i: _not_found(i, kind) if isinstance(o, NotFoundError) else o
        for i, o in zip(ordered, outcomes, strict=True)
    }
    refused = sorted(i for i, o in found.items() if isinstance(o, InvalidParameterError))
    probes = (
        client.batch([(i, {"fields": PROBE_FIELDS[comments]}) for i in refused]) if refused else []
    )
    for object_id, probe in zip(refused, probes, strict=True):
        if not isinstance(probe, Exception):
            found[object_id] = _mixup(object_id, comments)
    return found


def _mixup(object_id: str, comments: bool) -> IdMixupError:
    """``object_id`` is of the other kind than the write takes."""
    if comments:
        return IdMixupError(
            f"{object_id} is a media id, where this write takes a comment id (the id column of "
            "Comments, e.g. media.ig.comments()). To comment on the media itself, "
            f"insert('Comments', [{{'media_id': '{object_id}', 'text': ...}}]).",
            given="media",
            wanted="comment",
        )
    return IdMixupError(
        f"{object_id} is a comment id, where this write takes a media id (the id column of "
        "Media). To answer the comment, "
        f"insert('Replies', [{{'comment_id': '{object_id}', 'text': ...}}]).",
        given="comment",
        wanted="media",
    )


def _not_found(object_id: str, kind: str) -> WriteTargetError:
    return WriteTargetError(
        f"There is no {kind} {object_id}, or this token cannot see it (deleted, or another "
        "account's); check the id."
    )


def _pending(items: list[Item]) -> list[Item]:
    return [i for i in items if i.pending]
