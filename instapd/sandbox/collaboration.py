"""Collaborators and collaboration invites: ``/{media}/collaborators`` and
``/{ig-user-id}/collaboration_invites`` (list, accept, decline).

Collaborators are seeded on some of each account's posts (accounts of the dataset, each with an
``invite_status`` of ``Accepted``, ``Pending`` or ``Declined``); they are nodes of their own
(``IGCollaborator``, id the collaborator's user id) on the media's ``collaborators`` edge, so
the edge reads and expands like any other. Public accounts invite each linked account to a few of
their posts: those are the invites. ``POST /{ig-user-id}/collaboration_invites`` with
``media_id`` and ``accept=true|false`` answers ``{"success": true}`` and settles the invite, which
then leaves the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from .call import Call, require
from .failures import GraphFailure
from .fields import FieldRequest
from .nodes import Dataset, Node

READ_SCOPES = ("instagram_basic",)
ANSWER_SCOPES = ("instagram_basic", "instagram_content_publish")
STATUSES = ("Accepted", "Pending", "Declined")
INVITE_FIELDS = ("media_id", "media_owner_username", "caption", "media_url")


def _fraction(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def collaborator_key(media_id: str, user_id: str) -> str:
    """The dataset key of one collaborator of one post (its ``id`` is the user's)."""
    return f"collab:{media_id}:{user_id}"


def add_collaborators(dataset: Dataset) -> None:
    """Seed collaborators on about one post in six of every account, and invites to the
    linked accounts on a few posts of the public accounts. Deterministic: hashed from ids."""
    people = [dataset.nodes[a] for a in (*dataset.account_ids, *dataset.public_ids)]
    for account in people:
        others = [p for p in people if p.id != account.id]
        for media_id in account.edges.get("media", []):
            media = dataset.nodes[media_id]
            if media.values.get("media_product_type") not in ("FEED", "REELS"):
                continue
            if account.id in dataset.public_ids:
                invited = [
                    p
                    for p in others
                    if p.id in dataset.account_ids and _fraction(media_id, p.id, "invite") < 0.08
                ]
                for person in invited:
                    add_collaborator(dataset, media, person, "Pending")
            elif _fraction(media_id, "collab") < 1 / 6:
                count = 1 + int(_fraction(media_id, "count") * min(3, len(others)))
                for index, person in enumerate(others[:count]):
                    status = STATUSES[int(_fraction(media_id, person.id) * 3)]
                    add_collaborator(dataset, media, person, status if index else "Accepted")


def add_collaborator(dataset: Dataset, media: Node, person: Node, status: str) -> None:
    """``person`` on ``media``'s ``collaborators`` edge, with ``status``."""
    key = collaborator_key(media.id, person.id)
    dataset.nodes[key] = Node(
        "IGCollaborator",
        {"id": person.id, "username": person.values["username"], "invite_status": status},
    )
    media.edges.setdefault("collaborators", []).append(key)


class CollaborationRoutes:
    """``collaboration_invites`` of an account: the list and the answers."""

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset
        self.changed: Callable[[], None] = lambda: None  # drops kept answers after an answer

    def pending(self, account_id: str) -> list[tuple[Node, Node]]:
        """(media, collaborator node) of every invite the account has not answered, newest
        media first."""
        found = []
        for owner in dict.fromkeys((*self.data.public_ids, *self.data.account_ids)):
            if owner == account_id:
                continue
            for media_id in self.data.nodes[owner].edges.get("media", []):
                key = collaborator_key(media_id, account_id)
                node = self.data.nodes.get(key)
                if node is not None and node.values["invite_status"] == "Pending":
                    found.append((self.data.nodes[media_id], node))
        return found

    def invites(
        self, account: Node, fields: list[FieldRequest] | None, call: Call
    ) -> dict[str, Any]:
        require(call.token, READ_SCOPES)
        wanted = [f.name for f in fields] if fields else list(INVITE_FIELDS)
        unknown = [name for name in wanted if name not in INVITE_FIELDS]
        if unknown:
            raise GraphFailure(
                100,
                f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type "
                "(IGCollaborationInvite)",
            )
        data = []
        for media, _ in self.pending(account.id):
            row = {
                "media_id": media.id,
                "media_owner_username": media.values.get("username"),
                "caption": media.values.get("caption"),
                "media_url": media.values.get("media_url"),
            }
            data.append({k: row[k] for k in wanted if row.get(k) is not None})
        return {"data": data}

    def answer(self, account: Node, call: Call) -> dict[str, Any]:
        """Accept or decline one invite: ``media_id`` and ``accept`` (true or false)."""
        require(call.token, ANSWER_SCOPES)
        media_id = call.params.get("media_id", "")
        accept = call.params.get("accept", "").lower()
        if not media_id or accept not in ("true", "false"):
            raise GraphFailure(
                100, "(#100) The parameters media_id and accept (true or false) are required."
            )
        node = self.data.nodes.get(collaborator_key(media_id, account.id))
        if node is None or node.values["invite_status"] != "Pending":
            raise GraphFailure(
                100, f"(#100) There is no pending collaboration invite for media {media_id}."
            )
        node.values["invite_status"] = "Accepted" if accept == "true" else "Declined"
        self.changed()
        return {"success": True}
