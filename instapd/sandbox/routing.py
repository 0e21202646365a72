"""Which answer a path gets: a node, an edge page, insights, or one of the special routes."""

from __future__ import annotations

import functools
from typing import Any

from .call import Call, require, split_version
from .collaboration import CollaborationRoutes
from .discovery import DiscoveryRoutes
from .failures import GraphFailure, nonexisting_field, unsupported_get
from .fields import FieldRequest, FieldSyntaxError, parse_fields
from .insights import RESULT_FIELDS, InsightsModel, media_insights, user_insights
from .multi import multi_id_read
from .nodes import Dataset, Node
from .publishing import PublishRoutes
from .rendering import Renderer
from .schema import NODE_TYPES, PERMITTED_TASKS
from .writes import WriteRoutes, is_write

INSIGHT_RESULT_FIELDS = RESULT_FIELDS


class Router:
    """Answers an authenticated call on a path with the Graph API's JSON (as a dict)."""

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset
        self.renderer = Renderer(dataset)
        self.discovery = DiscoveryRoutes(self.renderer)
        self.renderer.specials = self.discovery
        self.insights = InsightsModel(dataset)
        self.writes = WriteRoutes(dataset)
        self.publishing = PublishRoutes(dataset, self.writes.own)
        self.collaboration = CollaborationRoutes(dataset)
        self.owners: dict[str, str] = {}
        self.index_owners()

    def index_owners(self) -> None:
        """Which Instagram account each node belongs to (the account itself included)."""
        owners: dict[str, str] = {}

        def walk(node_id: str, account: str) -> None:
            owners[node_id] = account
            for children in self.data[node_id].edges.values():
                for child in children:
                    if child not in owners:
                        walk(child, account)

        for account in (*self.data.account_ids, *self.data.public_ids):
            walk(account, account)
        self.owners = owners

    def check_owner(self, node_id: str, call: Call) -> None:
        """A token reads only what its user can act on: others' nodes answer 100/33, as Meta."""
        account = self.owners.get(node_id)
        if account is not None and account not in self.writes.own(call):
            raise unsupported_get(node_id)

    def dispatch(self, method: str, path: str, call: Call) -> dict[str, Any]:
        if method not in ("GET", "POST", "DELETE"):
            raise GraphFailure(100, f"(#100) Unsupported method {method}")
        _, segments = split_version(path)
        if segments and self.publishing.handles(method, segments):
            return self.publishing.dispatch(method, segments, call)
        if len(segments) == 2 and segments[1] == "collaboration_invites":
            return self._invites(method, segments[0], call)
        if segments and is_write(method, segments, call.params):
            return self.writes.apply(method, segments, call)
        if not segments and "ids" in call.params:
            return self._multi_id_read(call)
        if not segments:
            raise GraphFailure(100, "(#100) Missing node id in the request path")
        if segments == ["ig_hashtag_search"]:
            require(call.token, ("instagram_basic",))
            return self.discovery.hashtag_search(call)
        node_id = me(call) if segments[0] == "me" else segments[0]
        node = self.data.get(node_id)
        if node is None and segments == ["me"]:  # a token issued to a user with no data
            return {"id": node_id, "name": f"User {node_id}"}
        if node is None:
            raise unsupported_get(node_id)
        self.check_owner(node.id, call)
        fields = parse_field_param(call.params.get("fields"))
        if len(segments) == 1:
            require(call.token, NODE_TYPES[node.type].scopes)
            return self.renderer.render_node(node, fields, call, listed=False)
        if len(segments) == 2:
            return self._edge_response(node, segments[1], fields, call)
        raise GraphFailure(2500, "Unknown path components: /" + "/".join(segments[2:]))

    def _invites(self, method: str, node_id: str, call: Call) -> dict[str, Any]:
        """``/{ig-user-id}/collaboration_invites``: GET lists, POST accepts or declines."""
        node = self.data.get(me(call) if node_id == "me" else node_id)
        if node is None or node.type != "IGUser":
            raise unsupported_get(node_id)
        self.check_owner(node.id, call)
        if method == "POST":
            return self.collaboration.answer(node, call)
        if method != "GET":
            raise unsupported_get(node_id)
        fields = parse_field_param(call.params.get("fields"))
        return self.collaboration.invites(node, fields, call)

    def _multi_id_read(self, call: Call) -> dict[str, Any]:
        many = parse_field_param(call.params.get("fields"))

        def read_one(node: Node) -> dict[str, Any]:
            require(call.token, NODE_TYPES[node.type].scopes)
            return self.renderer.render_node(node, many, call, listed=False)

        return multi_id_read(call.params["ids"], call.version, self.data, read_one)

    def _edge_response(
        self, node: Node, edge: str, fields: list[FieldRequest] | None, call: Call
    ) -> dict[str, Any]:
        node_type = NODE_TYPES[node.type]
        if edge == "insights" and node.type in ("IGUser", "IGMedia"):
            require(call.token, ("instagram_basic", "instagram_manage_insights"))
            return self._insights(node, call)
        if node.type == "IGHashtag" and edge in ("top_media", "recent_media"):
            return self.discovery.hashtag_media(node, edge, fields, call)
        if node.type == "IGUser" and edge == "recently_searched_hashtags":
            return self.discovery.recently_searched(node, call)
        if node.type == "IGUser" and edge == "content_publishing_limit":
            require(call.token, ("instagram_basic", "instagram_content_publish"))
            return self.publishing.limit(node.id, fields)
        if node.type == "User" and edge == "permissions":
            return {"data": [{"permission": s, "status": "granted"} for s in call.token.scopes]}
        edge_type = node_type.edges.get(edge)
        if edge_type is None:
            raise GraphFailure(2500, f"Unknown path components: /{edge}")
        require(call.token, edge_type.scopes)
        modifiers: dict[str, str] = {
            k: call.params[k]
            for k in ("limit", "after", "before", "since", "until")
            if k in call.params
        }
        added = None
        if node.type == "Business" and edge == "client_instagram_accounts":  # what the client
            tasks = node.values.get(PERMITTED_TASKS, {})  # lets the agency do with the account
            added = {"permitted_tasks": lambda item: list(tasks.get(item.id, ()))}
        return self.renderer.edge_page(node, edge, edge_type, modifiers, fields, call, added=added)

    def _insights(self, node: Node, call: Call) -> dict[str, Any]:
        version = int(call.version[1:].split(".")[0])
        try:  # a syntax error in fields= is answered after the insights' own refusals
            fields, bad_fields = parse_field_param(call.params.get("fields")), None
        except GraphFailure as failure:
            fields, bad_fields = None, failure
        # field selection works on insights results as on any edge; what it drops is not written
        wanted = INSIGHT_RESULT_FIELDS if fields is None else _wanted(tuple(fields))
        if node.type == "IGUser":
            link = f"{call.root}/{call.version}/{node.id}/insights"
            body = user_insights(self.insights, node, call.params, version, link, wanted)
        else:
            product = node.values.get("media_product_type")
            surface = product if product in ("FEED", "REELS", "STORY") else None
            body = media_insights(self.insights, node, call.params, version, surface, wanted)
        if bad_fields is not None:
            raise bad_fields
        if fields is not None:
            unknown = wanted - INSIGHT_RESULT_FIELDS
            if unknown:
                raise nonexisting_field(sorted(unknown)[0], "InstagramInsightsResult")
            body["data"] = [
                e if e.keys() <= wanted else {k: v for k, v in e.items() if k in wanted}
                for e in body["data"]
            ]
        return body


@functools.lru_cache(maxsize=256)
def _wanted(fields: tuple[FieldRequest, ...]) -> frozenset[str]:
    """The result fields ``fields=`` names, and ``id``."""
    return frozenset(f.name for f in fields) | {"id"}


def parse_field_param(text: str | None) -> list[FieldRequest] | None:
    """The ``fields`` parameter, parsed; a syntax error is Meta's code 2500."""
    if not text:
        return None
    return list(_parsed_fields(text))


@functools.lru_cache(maxsize=1024)
def _parsed_fields(text: str) -> tuple[FieldRequest, ...]:
    """A ``fields`` value parsed once: the operations of a batch repeat it (each caller gets a
    list of its own; the requests themselves are frozen)."""
    try:
        return tuple(parse_fields(text))
    except FieldSyntaxError as exc:
        raise GraphFailure(2500, f"Syntax error: {exc}") from exc


def me(call: Call) -> str:
    """Whom ``/me`` is: a Page token's Page (as Meta answers), else the token's user."""
    if call.token.kind == "PAGE" and call.token.profile_id:
        return call.token.profile_id
    return call.token.user_id
