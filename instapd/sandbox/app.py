"""The sandbox's WSGI app: the Instagram Graph API over a seeded dataset, as Facebook Login's
``graph.facebook.com`` or (``scheme="instagram"``) Instagram Login's ``graph.instagram.com``.

It is as strict as Meta: versioned paths, ``fields=`` with the real defaults and nested expansion,
cursor paging with absolute ``next`` URLs, per-edge ``limit`` caps, Graph-shaped errors with the
real codes, usage headers on every response, and ``appsecret_proof`` checks.

This module is the HTTP side: faults, authentication, batches, usage headers and the login routes.
Paths are answered by :mod:`.routing`, nodes rendered by :mod:`.rendering`, edges paged by
:mod:`.paging`.

The dataset changes only through the write and publishing routes, ``Sandbox.publish`` and
``Sandbox.advance``, and each calls :meth:`SandboxApp.forget_renders`; between changes the app
keeps what it rendered (per node and fields) and the JSON of plain reads (per path, parameters
and asker), so its own cost per request stays small next to injected latency.
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.http import http_date
from werkzeug.wrappers import Request, Response

from .access import authenticate, expire_presented_token
from .call import DEFAULT_VERSION, VERSION, Call, describe, split_version
from .cdn import PATH_ROOT, SAMPLES_ROOT, Cdn, sample_answer
from .changes import grow_followers, grow_likes
from .encoding import dumps, dumps_bytes, quoted
from .failures import GraphFailure
from .faults import APPLY_THEN_DROP, APPLY_THEN_NULL, EXPIRE_TOKEN, GRAPH_FAULTS, Faults
from .instagram_login import InstagramLogin, InstagramLoginRouter
from .nodes import Dataset
from .oauth import OAuthRoutes
from .page_tokens import PageTokens
from .publishing import UPLOAD_ROOT, PublishRoutes
from .routing import Router
from .size import DEFAULT_MAX_OBJECTS, check_size, count_objects, size_bound
from .tokens import TokenRegistry
from .usage import Figures, Usage, headers_of
from .webhooks import SandboxWebhooks
from .writes import is_write_request

__all__ = ["DEFAULT_VERSION", "SandboxApp"]

MAX_BATCH = 50
#: Reads whose answer depends on more than the dataset (time ranges, the hashtag ledger): a
#: path's last segment, after a "/" (a final newline aside, as a regex's ``$`` allows).
_DYNAMIC = frozenset(
    {"insights", "top_media", "recent_media", "recently_searched_hashtags", "ig_hashtag_search"}
)


def _dynamic(path: str) -> bool:
    """Whether ``path`` ends in ``/`` and one of :data:`_DYNAMIC`."""
    slash = path.rfind("/")
    if slash < 0:
        return False
    last = path[slash + 1 :]
    return last in _DYNAMIC or (last[-1:] == "\n" and last[:-1] in _DYNAMIC)


def _json(value: Any) -> str:
    """JSON as Meta sends it: compact, no spaces (smaller and faster to write and read)."""
    return dumps(value)


@functools.lru_cache(maxsize=4096)
def _headers_json(figures: Figures) -> bytes:
    """A batch answer's ``headers`` list (the usage headers ``figures`` say, and the type), as
    ``_json`` writes it; the usage figures change slowly, so most operations share the text."""
    headers = [*headers_of(figures), ("Content-Type", "application/json")]
    return dumps_bytes([{"name": k, "value": v} for k, v in headers])


LOGIN_ROUTES = ("dialog/oauth", "dialog/decide", "oauth/access_token", "debug_token")


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
        call_limit: int = 100_000,
        max_objects: int | None = DEFAULT_MAX_OBJECTS,
        clock: Callable[[], float] = time.monotonic,
        instagram: InstagramLogin | None = None,
    ) -> None:
        self.oauth = oauth
        self.instagram = instagram  # Instagram Login's host instead of Facebook Login's
        self.data = dataset
        self.tokens = tokens
        self.faults = faults or Faults()
        self.app_secret = app_secret
        self.require_appsecret_proof = require_appsecret_proof
        self.usage = Usage(call_limit, clock=clock)
        #: The most objects (nested included) one answer may hold; ``None``: no limit.
        self.max_objects = max_objects
        self.size_refusals = 0  # answers refused with code 1 for holding too much
        self.served = 0
        self._logged: list[str] = []
        #: Lines not written out yet: (prefix, method, path, params), formatted when read; the
        #: params as pairs of strings, which the garbage collector need not walk.
        self._unwritten: list[tuple[str, str, str, tuple[tuple[str, str], ...]]] = []
        self._lock = threading.Lock()
        self._owner = self._index_owners()
        self.router = (
            Router(dataset)
            if instagram is None
            else InstagramLoginRouter(dataset, instagram.account_id)
        )
        #: Page tokens: ``fields=access_token`` on the user's Pages (``/me/accounts``).
        self.page_tokens = PageTokens(dataset, tokens, self.router.renderer.specials)
        self.router.renderer.specials = self.page_tokens
        self._answers: dict[tuple[Any, ...], tuple[str, int]] = {}  # JSON, its bound
        #: The app's webhook subscriptions and deliveries (:mod:`.webhooks`), set by the server.
        self.webhooks: SandboxWebhooks | None = None
        self.router.writes.changed = self.forget_renders
        self.router.publishing.changed = self.forget_renders
        self.router.collaboration.changed = self.forget_renders
        self.router.publishing.local = self.picture  # media URLs on the sandbox itself

    @property
    def cdn(self) -> Cdn:
        """The pictures behind ``media_url``/``thumbnail_url`` (served under ``/cdn/``)."""
        return self.router.renderer.cdn

    @cdn.setter
    def cdn(self, value: Cdn) -> None:
        self.router.renderer.cdn = value

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
        self.router.renderer.forget()
        self.router.writes.forget_owned()
        self.router.index_owners()
        self._answers.clear()

    def advance(self, seconds: float) -> None:
        """After the clock moved ``seconds``: like counts and followers grow, media insights
        follow, recent days settle."""
        model = self.router.insights
        grow_likes(self.data, model.now(), seconds / 3600)
        grow_followers(self.data, seconds / 3600)
        model.forget()
        self.forget_renders()

    @property
    def log(self) -> list[str]:
        """Each request and batch operation: method, path, and the fields and paging asked
        (never the token). Written out when read, not while answering."""
        with self._lock:
            if self._unwritten:
                self._logged.extend(
                    prefix + describe(method, path, dict(params))
                    for prefix, method, path, params in self._unwritten
                )
                self._unwritten.clear()
            return self._logged

    def reset_counters(self) -> None:
        with self._lock:
            self.served = 0
            self._logged.clear()
            self._unwritten.clear()

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.served += 1
            number = self.served
            self._unwritten.append(("", request.method, request.path, tuple(request.args.items())))
        if self.faults.latency:
            time.sleep(self.faults.latency)
        fault = self.faults.pick(number)
        if fault is None and is_write_request(request):
            fault = self.faults.pick_write()
        if fault == "drop":  # close the connection without an answer
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            start_response("500 Dropped", [])
            return []
        response = self._respond(request, fault)
        if fault == APPLY_THEN_DROP:  # the request took effect, but its answer is lost
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            start_response("500 Dropped", [])
            return []
        # Meta's Date and its posts' timestamps share one clock; so do the sandbox's
        response.headers["Date"] = http_date(self.data.clock.time())
        if fault == "truncate":
            body = response.get_data()
            response.set_data(body[: len(body) // 2])
            response.headers["Content-Length"] = str(len(body))
            response.headers["Connection"] = "close"
        return response(environ, start_response)

    def _respond(self, request: Request, fault: str | None) -> Response:
        body: Any
        pictured = None
        if request.method == "GET":
            pictured = self.picture(request.path, dict(request.args))
        if pictured is not None:
            status, kind, picture = pictured
            answer = Response(picture, status=status, mimetype=kind)
            answer.headers["Cache-Control"] = "max-age=3600" if status == 200 else "no-store"
            return answer
        if self.instagram is not None:
            try:
                login = self.instagram.respond(request)
            except GraphFailure as failure:
                login = Response(_json(failure.body()), status=failure.status,
                                 mimetype="application/json")  # fmt: skip
            if login is not None:
                return login
        route = self._login_route(request.path)
        if route in ("dialog/oauth", "dialog/decide"):  # HTML pages for the browser
            return (
                self.oauth.dialog(request)
                if route == "dialog/oauth"
                else self.oauth.decide(request)
            )
        account = None
        asker: dict[str, str | None] = {}  # the user or Page the call counts against
        throttled = bool(fault and fault.startswith("throttle"))
        try:
            if route == "oauth/access_token":
                body = self.oauth.access_token(request)
                return Response(_json(body), status=200, mimetype="application/json")
            if route == "debug_token":
                body = self.oauth.debug_token(request.values)
                return Response(_json(body), status=200, mimetype="application/json")
            hooks, (_, segments) = self.webhooks, split_version(request.path)
            if hooks is not None and hooks.handles(segments):  # app tokens, Page tokens
                body = hooks.respond(request, segments, dict(request.values.items()))
                return Response(_json(body), status=200, mimetype="application/json")
            if fault == EXPIRE_TOKEN:
                expire_presented_token(request, self.tokens)
            call = authenticate(request, self.tokens, self._proof_secret)
            account = self._account_of(request.path)
            asker = _asker(call)
            if fault in GRAPH_FAULTS:
                status, code, message = GRAPH_FAULTS[fault]
                raise GraphFailure(code, message, status=status, transient=True)
            if request.path.startswith(f"/{UPLOAD_ROOT}/") and request.method == "POST":
                text: str | bytes = _json(
                    self.router.publishing.upload(request, request.path.split("/")[1:], call)
                )
            elif request.method == "POST" and "batch" in call.params:
                text = self._batch(request, call)
            else:
                self.usage.record(account, **asker)
                text = self._answer(request.method, request.path, call)
            response = Response(text, status=200, mimetype="application/json")
        except GraphFailure as failure:
            response = Response(
                _json(failure.body()), status=failure.status, mimetype="application/json"
            )
            if failure.code in (102, 104, 190):
                response.headers["WWW-Authenticate"] = (
                    'OAuth "Facebook Platform" "invalid_token" "' + failure.message[:60] + '"'
                )
        response.headers.update(
            self.usage.headers(account, throttled, self.faults.regain_minutes, **asker)
        )
        return response

    def picture(self, path: str, args: dict[str, str]) -> tuple[int, str, bytes] | None:
        """Status, type and body of a picture the sandbox serves (its CDN's, or a sample to
        publish), or ``None`` when ``path`` is not a picture's."""
        if path.startswith(f"/{PATH_ROOT}/"):
            return self.cdn.answer(path[len(PATH_ROOT) + 2 :], args)
        if path.startswith(f"/{SAMPLES_ROOT}/"):
            return sample_answer(self.cdn.seed, path[len(SAMPLES_ROOT) + 2 :])
        return None

    def _batch(self, request: Request, call: Call) -> bytes:
        """``POST /`` with ``batch=[...]``: each operation answered as if sent on its own (the
        JSON array of their answers, written as bytes once)."""
        try:
            operations = _operations(request, call.params["batch"])
        except ValueError:
            raise GraphFailure(100, "(#100) The batch parameter must be a JSON array") from None
        if not isinstance(operations, list) or not operations:
            raise GraphFailure(100, "(#100) The batch parameter must be a JSON array")
        if len(operations) > MAX_BATCH:
            raise GraphFailure(
                100, f"(#100) Too many requests in batch message. Maximum batch size is {MAX_BATCH}"
            )
        headers = call.params.get("include_headers", "true").lower() != "false"
        asker = _asker(call)
        answers = [self._operation(op, call, headers, asker) for op in operations]
        return b"[" + b",".join(answers) + b"]"

    def _operation(
        self, op: Any, call: Call, include_headers: bool, asker: dict[str, str | None]
    ) -> bytes:
        """One operation, answered as if sent alone (without the cost of a whole request): the
        JSON of its answer, as ``_json`` writes it, its body a JSON string inside."""
        method = str(op.get("method", "GET")).upper() if isinstance(op, dict) else ""
        if method not in ("GET", "POST", "DELETE"):
            failure = GraphFailure(100, "(#100) Unsupported method in a batch operation")
            return dumps_bytes({"code": 400, "headers": [], "body": _json(failure.body())})
        path, _, query = str(op.get("relative_url", "")).lstrip("/").partition("?")
        if not VERSION.match(path.split("/", 1)[0]):
            path = f"{call.version}/{path}"
        params = dict(_query(query))
        if op.get("body"):  # a write's parameters (a read's body is absent)
            params |= dict(parse_qsl(str(op["body"])))
        with self._lock:
            self._unwritten.append(("BATCH ", method, "/" + path, tuple(params.items())))
        fault = self.faults.pick_operation()
        if method != "GET":
            fault = fault or self.faults.pick_write_operation()
        if fault == "null":  # Meta answers null for operations that timed out
            return b"null"
        account = self._account_of(path)
        try:
            if fault in GRAPH_FAULTS:
                status, code, message = GRAPH_FAULTS[fault]
                raise GraphFailure(code, message, status=status, transient=True)
            self.usage.record(account, **asker)
            op_call = Call(call.token, call.token_value, call.version, params, call.root)
            if self._login_route(path) == "debug_token":  # the token asked about, in a body
                text = _json(self.oauth.debug_token(params, asker=call.token))
                self._check_size(text, size_bound(text))
                status = 200
            else:  # as a request of its own: a read of the static dataset is rendered once
                status, text = 200, self._answer(method, "/" + path, op_call)
        except GraphFailure as failure:
            status, text = failure.status, _json(failure.body())
        if fault == APPLY_THEN_NULL:  # applied, but the answer timed out
            return b"null"
        answer = b'{"code":%d,"body":%b' % (status, quoted(text))
        if include_headers:
            figures = self.usage.figures(account, bool(fault), self.faults.regain_minutes, **asker)
            return answer + b',"headers":' + _headers_json(figures) + b"}"
        return answer + b"}"

    def _answer(self, method: str, path: str, call: Call) -> str:
        """The JSON text of a read; reads of the static dataset are kept and served again."""
        if method != "GET" or _dynamic(path) or PublishRoutes.is_dynamic(path):
            text = _json(self.router.dispatch(method, path, call))
            self._check_size(text, size_bound(text))
            return text
        # who asks matters: scopes decide what may be read
        token = call.token
        key = (path, tuple(sorted(call.params.items())), token.user_id, token.kind, token.scopes,
               self.cdn.window())  # fmt: skip
        kept = self._answers.get(key)
        if kept is None:
            text = _json(self.router.dispatch(method, path, call))
            kept = self._answers[key] = (text, size_bound(text))
        self._check_size(*kept)
        return kept[0]

    def _check_size(self, text: str, bound: int) -> None:
        """Refuse an answer (its JSON) over ``max_objects``; its objects are counted only when
        ``bound`` (at least as many as it holds) is over the limit."""
        if self.max_objects is None or bound <= self.max_objects:
            return
        try:
            check_size(count_objects(json.loads(text)), self.max_objects)
        except GraphFailure:
            with self._lock:
                self.size_refusals += 1
            raise

    @property
    def _proof_secret(self) -> str | None:
        """The app secret when ``appsecret_proof`` is required, else ``None``."""
        return self.app_secret if self.require_appsecret_proof else None

    @staticmethod
    def _login_route(path: str) -> str | None:
        """The Facebook Login routes, which need no access token."""
        if "dialog/" not in path and "oauth/" not in path and "debug_token" not in path:
            return None  # most paths: none of LOGIN_ROUTES is in them
        segments = [s for s in path.split("/") if s]
        if segments and VERSION.match(segments[0]):
            segments = segments[1:]
        joined = "/".join(segments)
        return joined if joined in LOGIN_ROUTES else None

    def _account_of(self, path: str) -> str | None:
        for segment in path.strip("/").split("/"):
            if segment in self._owner:
                return self._owner[segment]
        return None


@functools.lru_cache(maxsize=1024)
def _query(text: str) -> dict[str, str]:
    """An operation's query string, parsed once (callers copy it): the operations of a batch
    repeat it, only their paths' ids differ."""
    return dict(parse_qsl(text))


def _operations(request: Request, batch: str) -> Any:
    """A batch's operations: from a JSON body as parsed (not written out and parsed again),
    else the ``batch`` parameter's JSON text."""
    if request.is_json:
        payload = request.get_json(silent=True)  # parsed once, by authenticate
        if isinstance(payload, dict) and not isinstance(payload.get("batch", ""), str):
            return payload["batch"]
    return json.loads(batch)


def _asker(call: Call) -> dict[str, str | None]:
    """Whom a call counts against besides the app: a Page token's Page, else the token's user."""
    if call.token.kind == "PAGE":
        return {"page_id": call.token.profile_id}
    return {"user_id": call.token.user_id}
