"""The sandbox's WSGI app: the Instagram Graph API (Facebook Login flavour) over a seeded dataset.

It is as strict as Meta: versioned paths, ``fields=`` with the real defaults and nested expansion,
cursor paging with absolute ``next`` URLs, per-edge ``limit`` caps, Graph-shaped errors with the
real codes, usage headers on every response, and ``appsecret_proof`` checks.

The dataset only changes through :meth:`~instapd.sandbox.Sandbox.publish`, so the app keeps what
it rendered (per node and fields) and the JSON of plain reads (per path, parameters and asker),
and forgets both on a change: its own cost per request stays small next to injected latency.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.wrappers import Request, Response

from .data import Dataset, Node, Ref
from .discovery import DiscoveryRoutes
from .failures import NO_PERMISSION, GraphFailure, nonexisting_field, unsupported_get
from .faults import EXPIRE_TOKEN, GRAPH_FAULTS, Faults
from .fields import FieldRequest, FieldSyntaxError, format_fields, parse_fields
from .insights import InsightsModel, media_insights, user_insights
from .multi import multi_id_read
from .oauth import OAuthRoutes
from .schema import NODE_TYPES, SPECIAL_FIELDS, EdgeType, NodeType
from .tokens import IssuedToken, TokenRegistry
from .usage import Usage

_VERSION = re.compile(r"^v(\d+)\.(\d+)$")
DEFAULT_VERSION = "v25.0"
MAX_BATCH = 50
INSIGHT_RESULT_FIELDS = frozenset(
    {"id", "name", "period", "values", "title", "description", "total_value"}
)
#: Reads whose answer depends on more than the dataset: time ranges, the hashtag ledger.
_DYNAMIC = re.compile(
    r"/(insights|top_media|recent_media|recently_searched_hashtags|ig_hashtag_search)$"
)
LOGIN_ROUTES = ("dialog/oauth", "dialog/decide", "oauth/access_token", "debug_token")
_DEFAULT_LIMIT = 25


_LOGGED_PARAMS = ("fields", "metric", "limit", "after", "since", "until", "breakdown")


def _describe(method: str, path: str, params: Mapping[str, str]) -> str:
    """A log line for a request, without its token: method, path, fields and paging params."""
    shown = {k: v for k, v in params.items() if k in _LOGGED_PARAMS}
    return f"{method} {path}" + (f"?{urlencode(shown)}" if shown else "")


@functools.lru_cache(maxsize=65536)
def format_time(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def encode_cursor(node_id: str) -> str:
    return base64.urlsafe_b64encode(f"cursor:{node_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    if not text.startswith("cursor:"):
        raise GraphFailure(100, "(#100) The cursor specified is invalid")
    return text.removeprefix("cursor:")


def parse_time(value: str, name: str) -> datetime:
    """``since``/``until``: a Unix timestamp or a date/time string, as strtotime takes them."""
    try:
        if re.fullmatch(r"-?\d+", value):
            return datetime.fromtimestamp(int(value), UTC)
        parsed = datetime.fromisoformat(value.replace("+0000", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise GraphFailure(
            100, f"(#100) The parameter {name} must be a unix timestamp or a strtotime string"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class _Call:
    """What one request asks: its token, version, params, and where paging links point."""

    token: IssuedToken
    token_value: str | None
    version: str
    params: dict[str, str]
    root: str


class SandboxApp:
    """The WSGI callable. ``served`` counts requests; ``log`` keeps method, path and fields."""

    def __init__(
        self,
        dataset: Dataset,
        tokens: TokenRegistry,
        faults: Faults | None = None,
        *,
        oauth: OAuthRoutes,
        app_secret: str | None = None,
        require_appsecret_proof: bool = False,
        call_limit: int = 20_000,
    ) -> None:
        self.oauth = oauth
        self.data = dataset
        self.tokens = tokens
        self.faults = faults or Faults()
        self.app_secret = app_secret
        self.require_appsecret_proof = require_appsecret_proof
        self.usage = Usage(call_limit)
        self.served = 0
        self.log: list[str] = []
        self._lock = threading.Lock()
        self._owner = self._index_owners()
        self.insights = InsightsModel(dataset)
        #: Renders of plain fields, by node and fields: the dataset does not change under them.
        self._rendered: dict[tuple[str, tuple[FieldRequest, ...]], dict[str, Any]] = {}
        self._answers: dict[tuple[Any, ...], str] = {}
        self.discovery = DiscoveryRoutes(self)

    def _index_owners(self) -> dict[str, str]:
        """Which Instagram account each node belongs to, for the usage header."""
        owner: dict[str, str] = {}

        def walk(node_id: str, account: str) -> None:
            owner[node_id] = account
            for children in self.data[node_id].edges.values():
                for child in children:
                    walk(child, account)

        for account in self.data.account_ids:
            walk(account, account)
        return owner

    def forget_renders(self) -> None:
        """After the dataset changed (a new post): nothing rendered before may be reused."""
        self._rendered.clear()
        self._answers.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.served = 0
            self.log.clear()

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.served += 1
            number = self.served
            self.log.append(_describe(request.method, request.path, request.args))
        if self.faults.latency:
            time.sleep(self.faults.latency)
        fault = self.faults.pick(number)
        if fault == "drop":  # close the connection without an answer
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            start_response("500 Dropped", [])
            return []
        response = self._respond(request, fault)
        if fault == "truncate":
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
            response.headers["Content-Length"] = str(len(body))
            response.headers["Connection"] = "close"
        return response(environ, start_response)

    def _respond(self, request: Request, fault: str | None) -> Response:
        body: Any
        route = self._login_route(request.path)
        if route in ("dialog/oauth", "dialog/decide"):  # HTML pages for the browser
            return (
                self.oauth.dialog(request)
                if route == "dialog/oauth"
                else self.oauth.decide(request)
            )
        account = None
        throttled = bool(fault and fault.startswith("throttle"))
        try:
            if route == "oauth/access_token":
                body = self.oauth.access_token(request)
                return Response(json.dumps(body), status=200, mimetype="application/json")
            if route == "debug_token":
                body = self.oauth.debug_token(request)
                return Response(json.dumps(body), status=200, mimetype="application/json")
            if fault == EXPIRE_TOKEN:
                self._expire_presented_token(request)
            call = self._authenticate(request)
            account = self._account_of(request.path)
            if fault in GRAPH_FAULTS:
                status, code, message = GRAPH_FAULTS[fault]
                raise GraphFailure(code, message, status=status, transient=True)
            if request.method == "POST" and "batch" in call.params:
                text = json.dumps(self._batch(request, call))
            else:
                self.usage.record(account)
                text = self._answer(request.method, request.path, call)
            response = Response(text, status=200, mimetype="application/json")
        except GraphFailure as failure:
            response = Response(
                json.dumps(failure.body()), status=failure.status, mimetype="application/json"
            )
            if failure.code in (102, 104, 190):
                response.headers["WWW-Authenticate"] = (
                    'OAuth "Facebook Platform" "invalid_token" "' + failure.message[:60] + '"'
                )
        response.headers.update(self.usage.headers(account, throttled, self.faults.regain_minutes))
        return response

    def _batch(self, request: Request, call: _Call) -> list[dict[str, Any] | None]:
        """``POST /`` with ``batch=[...]``: each operation answered as if sent on its own."""
        try:
            operations = json.loads(call.params["batch"])
        except ValueError:
            raise GraphFailure(100, "(#100) The batch parameter must be a JSON array") from None
        if not isinstance(operations, list) or not operations:
            raise GraphFailure(100, "(#100) The batch parameter must be a JSON array")
        if len(operations) > MAX_BATCH:
            raise GraphFailure(
                100, f"(#100) Too many requests in batch message. Maximum batch size is {MAX_BATCH}"
            )
        headers = call.params.get("include_headers", "true").lower() != "false"
        return [self._operation(op, call, headers) for op in operations]

    def _operation(self, op: Any, call: _Call, include_headers: bool) -> dict[str, Any] | None:
        """One operation, answered as if sent alone (without the cost of a whole request)."""
        if not isinstance(op, dict) or op.get("method", "GET").upper() != "GET":
            failure = GraphFailure(100, "(#100) Only GET operations are supported in the sandbox")
            return {"code": 400, "headers": [], "body": json.dumps(failure.body())}
        path, _, query = str(op.get("relative_url", "")).lstrip("/").partition("?")
        if not _VERSION.match(path.split("/", 1)[0]):
            path = f"{call.version}/{path}"
        params = dict(parse_qsl(query))
        with self._lock:
            self.log.append("BATCH " + _describe("GET", "/" + path, params))
        fault = self.faults.pick_operation()
        if fault == "null":  # Meta answers null for operations that timed out
            return None
        account = self._account_of(path)
        try:
            if fault in GRAPH_FAULTS:
                status, code, message = GRAPH_FAULTS[fault]
                raise GraphFailure(code, message, status=status, transient=True)
            self.usage.record(account)
            op_call = _Call(call.token, call.token_value, call.version, params, call.root)
            status, body = 200, self._dispatch("GET", "/" + path, op_call)
        except GraphFailure as failure:
            status, body = failure.status, failure.body()
        answer: dict[str, Any] = {"code": status, "body": json.dumps(body)}
        if include_headers:
            headers = self.usage.headers(account, bool(fault), self.faults.regain_minutes)
            headers["Content-Type"] = "application/json"
            answer["headers"] = [{"name": k, "value": v} for k, v in headers.items()]
        return answer

    def _answer(self, method: str, path: str, call: _Call) -> str:
        """The JSON text of a read; reads of the static dataset are kept and served again."""
        if method != "GET" or _DYNAMIC.search(path):
            return json.dumps(self._dispatch(method, path, call))
        # who asks matters: scopes decide what may be read
        key = (path, tuple(sorted(call.params.items())), call.token.user_id, call.token.scopes)
        text = self._answers.get(key)
        if text is None:
            text = json.dumps(self._dispatch(method, path, call))
            self._answers[key] = text
        return text

    @staticmethod
    def _login_route(path: str) -> str | None:
        """The Facebook Login routes, which need no access token."""
        segments = [s for s in path.split("/") if s]
        if segments and _VERSION.match(segments[0]):
            segments = segments[1:]
        joined = "/".join(segments)
        return joined if joined in LOGIN_ROUTES else None

    def _account_of(self, path: str) -> str | None:
        for segment in path.strip("/").split("/"):
            if segment in self._owner:
                return self._owner[segment]
        return None

    # -- auth ------------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> _Call:
        params = dict(request.values.items())
        if request.is_json:  # Graph POSTs take JSON bodies too
            payload = request.get_json(silent=True)
            for key, item in (payload if isinstance(payload, dict) else {}).items():
                params[key] = item if isinstance(item, str) else json.dumps(item)
        value = params.get("access_token")
        header = request.headers.get("Authorization", "")
        if not value and header.lower().startswith(("bearer ", "oauth ")):
            value = header.split(None, 1)[1].strip()
        if not value:
            raise GraphFailure(104, "An access token is required to request this resource.")
        token = self.tokens.lookup(value)
        if token is None:
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        if token.expired():
            expired_at = datetime.fromtimestamp(token.expires_at or 0, UTC)
            raise GraphFailure(
                190,
                "Error validating access token: Session has expired on "
                f"{expired_at:%A, %d-%b-%y %H:%M:%S} UTC. The current time is "
                f"{datetime.now(UTC):%A, %d-%b-%y %H:%M:%S} UTC.",
                subcode=463,
            )
        self._check_proof(value, params.get("appsecret_proof"))
        version, _ = self._split_version(request.path)
        return _Call(
            token, params.get("access_token"), version, params, request.host_url.rstrip("/")
        )

    def _expire_presented_token(self, request: Request) -> None:
        header = request.headers.get("Authorization", "")
        value = request.values.get("access_token") or header.partition(" ")[2].strip()
        if self.tokens.lookup(value) is not None:
            self.tokens.expire(value)

    def _check_proof(self, token: str, proof: str | None) -> None:
        if not self.require_appsecret_proof or self.app_secret is None:
            return
        if proof is None:
            raise GraphFailure(
                100,
                "API calls from the server require an appsecret_proof argument",
                type_="GraphMethodException",
            )
        expected = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, proof):
            raise GraphFailure(100, "Invalid appsecret_proof provided in the API argument")

    @staticmethod
    def _split_version(path: str) -> tuple[str, list[str]]:
        segments = [s for s in path.split("/") if s]
        if segments and _VERSION.match(segments[0]):
            return segments[0], segments[1:]
        if segments and segments[0].startswith("v") and segments[0][1:2].isdigit():
            raise GraphFailure(2500, f"Unknown path components: /{segments[0]}")
        return DEFAULT_VERSION, segments

    # -- routing ---------------------------------------------------------------------------

    def _dispatch(self, method: str, path: str, call: _Call) -> dict[str, Any]:
        if method not in ("GET", "POST"):
            raise GraphFailure(100, f"(#100) Unsupported method {method}")
        _, segments = self._split_version(path)
        if not segments and "ids" in call.params:
            many = self._parse_fields(call.params.get("fields"))

            def read_one(node: Node) -> dict[str, Any]:
                self._require(call.token, NODE_TYPES[node.type].scopes)
                return self._render_node(node, many, call, listed=False)

            return multi_id_read(call.params["ids"], call.version, self.data, read_one)
        if not segments:
            raise GraphFailure(100, "(#100) Missing node id in the request path")
        if segments == ["ig_hashtag_search"]:
            self._require(call.token, ("instagram_basic",))
            return self.discovery.hashtag_search(call)
        node_id = call.token.user_id if segments[0] == "me" else segments[0]
        node = self.data.get(node_id)
        if node is None:
            raise unsupported_get(node_id)
        fields = self._parse_fields(call.params.get("fields"))
        if len(segments) == 1:
            self._require(call.token, NODE_TYPES[node.type].scopes)
            return self._render_node(node, fields, call, listed=False)
        if len(segments) == 2:
            return self._render_edge_response(node, segments[1], fields, call)
        raise GraphFailure(2500, "Unknown path components: /" + "/".join(segments[2:]))

    @staticmethod
    def _parse_fields(text: str | None) -> list[FieldRequest] | None:
        if not text:
            return None
        try:
            return parse_fields(text)
        except FieldSyntaxError as exc:
            raise GraphFailure(2500, f"Syntax error: {exc}") from exc

    def _render_edge_response(
        self, node: Node, edge: str, fields: list[FieldRequest] | None, call: _Call
    ) -> dict[str, Any]:
        node_type = NODE_TYPES[node.type]
        if edge == "insights" and node.type in ("IGUser", "IGMedia"):
            self._require(call.token, ("instagram_basic", "instagram_manage_insights"))
            return self._insights(node, call)
        if node.type == "IGHashtag" and edge in ("top_media", "recent_media"):
            return self.discovery.hashtag_media(node, edge, fields, call)
        if node.type == "IGUser" and edge == "recently_searched_hashtags":
            return self.discovery.recently_searched(node, call)
        if node.type == "IGUser" and edge == "content_publishing_limit":
            self._require(call.token, ("instagram_basic", "instagram_content_publish"))
            return self.discovery.publishing_limit(fields)
        if node.type == "User" and edge == "permissions":
            return {"data": [{"permission": s, "status": "granted"} for s in call.token.scopes]}
        edge_type = node_type.edges.get(edge)
        if edge_type is None:
            raise GraphFailure(2500, f"Unknown path components: /{edge}")
        self._require(call.token, edge_type.scopes)
        modifiers: dict[str, str] = {
            k: call.params[k]
            for k in ("limit", "after", "before", "since", "until")
            if k in call.params
        }
        return self._edge_page(node, edge, edge_type, modifiers, fields, call)

    def _insights(self, node: Node, call: _Call) -> dict[str, Any]:
        version = int(call.version[1:].split(".")[0])
        if node.type == "IGUser":
            link = f"{call.root}/{call.version}/{node.id}/insights"
            body = user_insights(self.insights, node, call.params, version, link)
        else:
            product = node.values.get("media_product_type")
            surface = product if product in ("FEED", "REELS", "STORY") else None
            body = media_insights(self.insights, node, call.params, version, surface)
        fields = self._parse_fields(call.params.get("fields"))
        if fields is not None:  # field selection works on insights results as on any edge
            wanted = {f.name for f in fields} | {"id"}
            unknown = wanted - INSIGHT_RESULT_FIELDS
            if unknown:
                raise nonexisting_field(sorted(unknown)[0], "InstagramInsightsResult")
            body["data"] = [{k: v for k, v in e.items() if k in wanted} for e in body["data"]]
        return body

    @staticmethod
    def _require(token: IssuedToken, scopes: tuple[str, ...]) -> None:
        if not set(scopes) <= set(token.scopes):
            raise GraphFailure(10, NO_PERMISSION, status=403)

    # -- rendering -------------------------------------------------------------------------

    def _render_node(
        self, node: Node, fields: Iterable[FieldRequest] | None, call: _Call, *, listed: bool
    ) -> dict[str, Any]:
        node_type = NODE_TYPES[node.type]
        if fields is None:
            names = (node_type.list_defaults if listed else None) or node_type.defaults
            fields = [FieldRequest(name) for name in names]
        fields = tuple(fields)
        key = (node.id, fields)
        cached = self._rendered.get(key)
        if cached is not None:
            return dict(cached)
        out = self._render_fields(node, node_type, fields, call)
        if not any(f.name in node_type.edges or f.name in SPECIAL_FIELDS.get(node.type, ())
                   for f in fields):  # fmt: skip
            self._rendered[key] = out  # plain fields only: nothing depends on the call
        return dict(out)

    def _render_fields(
        self, node: Node, node_type: NodeType, fields: tuple[FieldRequest, ...], call: _Call
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        special = SPECIAL_FIELDS.get(node.type, ())
        values = node.values
        for request in fields:
            name = request.name
            value = values.get(name)
            if value is not None and not isinstance(value, Ref) and request.subfields is None:
                # the common case, kept cheap: a plain stored value of a known field
                if name not in node_type.fields:
                    raise nonexisting_field(name, node.type)
                out[name] = format_time(value) if isinstance(value, datetime) else value
                continue
            if name in special:
                out[name] = self.discovery.special_field(node, request, call)
                continue
            if not node_type.knows(name):
                raise nonexisting_field(name, node.type)
            if name in node_type.edges:
                nested = self._edge_page(
                    node,
                    request.name,
                    node_type.edges[request.name],
                    request.modifiers,
                    request.subfields,
                    call,
                    nested=True,
                )
                if nested["data"]:
                    out[request.name] = nested
                continue
            if request.name not in node.values:
                continue
            out[request.name] = self._render_value(node.values[request.name], request, call)
        out.setdefault("id", node.id)
        return out

    def _render_value(self, value: Any, request: FieldRequest, call: _Call) -> Any:
        if isinstance(value, Ref):
            return self._render_node(self.data[value.id], request.subfields, call, listed=False)
        if isinstance(value, datetime):
            return format_time(value)
        if isinstance(value, dict) and request.subfields is not None:
            wanted = {f.name for f in request.subfields}
            return {k: v for k, v in value.items() if k in wanted}
        return value

    def _edge_page(
        self,
        node: Node,
        edge: str,
        edge_type: EdgeType,
        modifiers: dict[str, str],
        subfields: Iterable[FieldRequest] | None,
        call: _Call,
        *,
        nested: bool = False,
        items: list[Node] | None = None,
    ) -> dict[str, Any]:
        """One page of an edge (``items`` when given), with the real API's cursors and links."""
        if items is None:
            items = self.data.edge(node.id, edge)
        if edge_type.time_filter:
            items = self._time_filtered(items, modifiers)
        limit = self._limit(modifiers.get("limit"), edge_type.cap)
        start, stop = 0, len(items)
        positions = {item.id: i for i, item in enumerate(items)}
        if "after" in modifiers:
            start = positions.get(decode_cursor(modifiers["after"]), len(items) - 1) + 1
        if "before" in modifiers:
            stop = positions.get(decode_cursor(modifiers["before"]), 0)
            start = max(0, stop - limit)
        page = items[start : min(stop, start + limit)]
        subfields = list(subfields) if subfields is not None else None
        data = [self._render_node(item, subfields, call, listed=True) for item in page]
        body: dict[str, Any] = {"data": data}
        if not page:
            return body
        paging: dict[str, Any] = {
            "cursors": {"before": encode_cursor(page[0].id), "after": encode_cursor(page[-1].id)}
        }
        if edge_type.urls_in_paging:
            query = self._link_query(modifiers, subfields, call, nested)
            if start + len(page) < len(items):
                after = {**query, "limit": str(limit), "after": paging["cursors"]["after"]}
                paging["next"] = self._link(node.id, edge, after, call)
            if start > 0:
                before = {**query, "limit": str(limit), "before": paging["cursors"]["before"]}
                paging["previous"] = self._link(node.id, edge, before, call)
        body["paging"] = paging
        return body

    def _link_query(
        self,
        modifiers: dict[str, str],
        subfields: list[FieldRequest] | None,
        call: _Call,
        nested: bool,
    ) -> dict[str, str]:
        query: dict[str, str] = {}
        if call.token_value:
            query["access_token"] = call.token_value  # the real API echoes it, so must we
        query["pretty"] = "0"
        if subfields is not None:
            query["fields"] = format_fields(subfields)
        for key in ("since", "until"):
            if key in modifiers:
                query[key] = modifiers[key]
        if not nested and "appsecret_proof" in call.params:
            query["appsecret_proof"] = call.params["appsecret_proof"]
        return query

    @staticmethod
    def _link(node_id: str, edge: str, query: dict[str, str], call: _Call) -> str:
        return f"{call.root}/{call.version}/{node_id}/{edge}?{urlencode(query)}"

    @staticmethod
    def _limit(value: str | None, cap: int) -> int:
        if value is None:
            return _DEFAULT_LIMIT
        if not value.isdigit() or int(value) == 0:
            raise GraphFailure(100, "(#100) Param limit must be a positive integer")
        if int(value) > cap:
            raise GraphFailure(100, f"(#100) The 'limit' parameter should not exceed {cap}")
        return int(value)

    @staticmethod
    def _time_filtered(items: list[Node], modifiers: dict[str, str]) -> list[Node]:
        if "since" in modifiers:
            since = parse_time(modifiers["since"], "since")
            items = [i for i in items if i.values["timestamp"] >= since]
        if "until" in modifiers:
            until = parse_time(modifiers["until"], "until")
            items = [i for i in items if i.values["timestamp"] <= until]
        return items
