"""Instagram Login as the sandbox plays it (``Sandbox(scheme="instagram")``): the API of
``graph.instagram.com`` and the login of ``www.instagram.com`` / ``api.instagram.com``.

- ``GET /oauth/authorize``: the consent dialog; it redirects with ``?code=...&state=...#_``.
- ``POST /oauth/access_token``: form-encoded code exchange; the documented
  ``{"data": [{...}]}`` answer, or the flat object with ``flat_exchange``. Its errors have
  api.instagram.com's own shape, ``{"error_type", "code", "error_message"}``.
- ``GET /access_token?grant_type=ig_exchange_token``: short-lived (1 h) to long-lived (60 days).
- ``GET /refresh_access_token?grant_type=ig_refresh_token``: only for a long-lived token at least
  24 hours old and unexpired.
- ``/me`` is the Instagram account itself; there are no Pages, hashtags or business discovery.

Codes live one hour and are single use. Tokens carry the ``instagram_business_*`` scopes; the
shared routes see them as their Facebook Login equivalents, so per-edge scope checks still hold.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from .call import Call, split_version
from .failures import GraphFailure, nonexisting_field, unsupported_get
from .nodes import Dataset
from .oauth import OAuthApp, _page, consent_page
from .routing import Router
from .tokens import IssuedToken, TokenRegistry

#: Instagram Login's scopes, and what each allows on the shared routes.
SCOPE_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    "instagram_business_basic": ("instagram_basic",),
    # Facebook Login's mention lookups also want pages_read_engagement; Instagram Login has no
    # Pages, so its comments scope alone covers them
    "instagram_business_manage_comments": ("instagram_manage_comments", "pages_read_engagement"),
    "instagram_business_manage_insights": ("instagram_manage_insights",),
    "instagram_business_content_publish": ("instagram_content_publish",),
    "instagram_business_manage_messages": (),
}
IG_SCOPES = tuple(SCOPE_EQUIVALENTS)
CODE_LIFETIME = 3600.0
SHORT_LIFETIME = 3600.0
LONG_LIFETIME = 60 * 86400.0
REFRESH_MIN_AGE = 24 * 3600.0
#: Routes that need no access token (the login), by path without a version.
LOGIN_PATHS = ("oauth/authorize", "oauth/decide", "oauth/access_token")
TOKEN_PATHS = ("access_token", "refresh_access_token")
#: Facebook Login's routes, which this host does not have.
FACEBOOK_PATHS = ("dialog/oauth", "dialog/decide", "debug_token")
#: Fields and node types Instagram Login does not serve.
FACEBOOK_ONLY_FIELDS = frozenset({"business_discovery"})
FACEBOOK_ONLY_NODES = frozenset({"Page", "User", "IGHashtag"})


class InstagramFailure(Exception):
    """An error answered in api.instagram.com's shape (the code exchange)."""

    def __init__(self, message: str, code: int = 400, error_type: str = "OAuthException") -> None:
        super().__init__(message)
        self.message, self.code, self.error_type = message, code, error_type

    def response(self) -> Response:
        body = {"error_type": self.error_type, "code": self.code, "error_message": self.message}
        return Response(json.dumps(body), status=400, mimetype="application/json")


@dataclass(frozen=True)
class _Code:
    redirect_uri: str
    scopes: tuple[str, ...]
    issued: float


class InstagramLogin:
    """The login routes of Instagram Login, and what they issue, for one Instagram account."""

    def __init__(
        self,
        app: OAuthApp,
        tokens: TokenRegistry,
        account_id: str,
        username: str,
        *,
        flat_exchange: bool = False,
    ) -> None:
        self.app, self.tokens = app, tokens
        self.account_id, self.username = account_id, username
        self.flat_exchange = flat_exchange
        self._codes: dict[str, _Code | None] = {}
        self._issued: dict[str, tuple[float, bool]] = {}  # token -> (issued at, long-lived)
        self._lock = threading.Lock()

    # -- tokens ----------------------------------------------------------------------------

    def issue(self, scopes: tuple[str, ...] = IG_SCOPES, lifetime: float = LONG_LIFETIME) -> str:
        """A token for the account; long-lived unless ``lifetime`` is an hour or less."""
        token = self.tokens.issue(self.account_id, scopes, lifetime)
        with self._lock:
            self._issued[token] = (time.time(), lifetime > SHORT_LIFETIME)
        return token

    def age(self, token: str, seconds: float) -> None:
        """Make ``token`` ``seconds`` older (for tests of the 24-hour refresh rule)."""
        with self._lock:
            issued, long = self._issued[token]
            self._issued[token] = (issued - seconds, long)

    # -- HTTP ------------------------------------------------------------------------------

    def respond(self, request: Request) -> Response | None:
        """The answer for a login route, or None for the API routes."""
        _, segments = _segments(request.path)
        path = "/".join(segments)
        if path in FACEBOOK_PATHS:
            raise unsupported_get(segments[0])
        if path not in LOGIN_PATHS and path not in TOKEN_PATHS:
            return None
        if path == "oauth/authorize":
            return self._dialog(request)
        if path == "oauth/decide":
            return self._decide(request)
        if path == "oauth/access_token":
            try:
                return _json(self._exchange(request))
            except InstagramFailure as failure:
                return failure.response()
        if path == "access_token":
            return _json(self._long_lived(request))
        return _json(self._refresh(request))

    def _dialog(self, request: Request) -> Response:
        args = request.args
        client_id, redirect_uri = args.get("client_id", ""), args.get("redirect_uri", "")
        if client_id != self.app.app_id:
            return _page("Invalid app", f"<p>No app has the id {html.escape(client_id)}.</p>", 400)
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return _page("Invalid redirect_uri", "<p>redirect_uri must be an http(s) URL.</p>", 400)
        if args.get("response_type") != "code":
            return _page("Invalid request", "<p>response_type must be code.</p>", 400)
        scopes = [s for s in args.get("scope", "").replace(",", " ").split() if s]
        unknown = [s for s in scopes if s not in SCOPE_EQUIVALENTS]
        if unknown:
            return _page("Invalid scope", f"<p>Invalid scope: {html.escape(unknown[0])}</p>", 400)
        return consent_page(
            "Log in with Instagram (sandbox)",
            (client_id, redirect_uri, args.get("state", ""), scopes),
            who=f"@{html.escape(self.username)}",
            items="".join(f"<li>{html.escape(s)}</li>" for s in scopes),
            deny="Cancel",
        )

    def _decide(self, request: Request) -> Response:
        form = request.form
        redirect_uri, state = form.get("redirect_uri", ""), form.get("state", "")
        if form.get("client_id") != self.app.app_id or not redirect_uri:
            return _page("Invalid request", "<p>Start the login again.</p>", 400)
        if form.get("decision") != "allow":
            denied = {
                "error": "access_denied",
                "error_reason": "user_denied",
                "error_description": "The user denied your request",
                "state": state,
            }
            return _redirect(redirect_uri, denied)
        scopes = tuple(s for s in form.get("scope", "").split(",") if s in SCOPE_EQUIVALENTS)
        code = secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = _Code(redirect_uri, scopes, time.time())
        return _redirect(redirect_uri, {"code": code, "state": state})

    def _exchange(self, request: Request) -> dict[str, Any]:
        if request.method != "POST" or request.is_json:
            raise InstagramFailure("Invalid request: send the parameters form-encoded in a POST")
        form = request.form
        if form.get("client_id") != self.app.app_id:
            raise InstagramFailure("Invalid platform app")
        if form.get("client_secret") != self.app.app_secret:
            raise InstagramFailure("Error validating client secret.")
        if form.get("grant_type") != "authorization_code":
            raise InstagramFailure("Invalid grant_type: authorization_code is the only one here")
        code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
        with self._lock:
            issued = self._codes.get(code)
            if issued is None or time.time() - issued.issued > CODE_LIFETIME:
                raise InstagramFailure("Matching code was not found or was already used")
            if redirect_uri != issued.redirect_uri:
                raise InstagramFailure("Error validating verification code. Please make sure "
                                       "your redirect_uri is identical to the one you used in "
                                       "the OAuth dialog request")  # fmt: skip
            self._codes[code] = None
        token = self.issue(issued.scopes, SHORT_LIFETIME)
        answer = {
            "access_token": token,
            "user_id": self.account_id,
            "permissions": ",".join(issued.scopes),
        }
        return answer if self.flat_exchange else {"data": [answer]}

    def _presented(self, request: Request) -> tuple[str, IssuedToken]:
        value = request.args.get("access_token", "")
        header = request.headers.get("Authorization", "")
        if not value and header.lower().startswith("bearer "):
            value = header.split(None, 1)[1].strip()
        found = self.tokens.lookup(value)
        if found is None or value not in self._issued:
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        if found.expired():
            raise GraphFailure(190, "Error validating access token: Session has expired",
                               subcode=463)  # fmt: skip
        return value, found

    def _long_lived(self, request: Request) -> dict[str, Any]:
        if request.args.get("grant_type") != "ig_exchange_token":
            raise GraphFailure(100, "(#100) grant_type must be ig_exchange_token")
        if request.args.get("client_secret") != self.app.app_secret:
            raise GraphFailure(101, "Error validating client secret.")
        value, found = self._presented(request)
        if self._issued[value][1]:
            raise GraphFailure(100, "(#100) This token is already long-lived; refresh it instead")
        return self._answer(self.issue(found.scopes, LONG_LIFETIME), found.scopes)

    def _refresh(self, request: Request) -> dict[str, Any]:
        if request.args.get("grant_type") != "ig_refresh_token":
            raise GraphFailure(100, "(#100) grant_type must be ig_refresh_token")
        value, found = self._presented(request)
        issued, long = self._issued[value]
        if not long:
            raise GraphFailure(100, "(#100) Only long-lived tokens can be refreshed")
        if "instagram_business_basic" not in found.scopes:
            raise GraphFailure(10, "(#10) Refreshing needs instagram_business_basic")
        if time.time() - issued < REFRESH_MIN_AGE:
            raise GraphFailure(100, "(#100) The token can be refreshed only once it is at "
                                    "least 24 hours old")  # fmt: skip
        return self._answer(self.issue(found.scopes, LONG_LIFETIME), found.scopes)

    @staticmethod
    def _answer(token: str, scopes: tuple[str, ...]) -> dict[str, Any]:
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(LONG_LIFETIME),
            "permissions": ",".join(scopes),
        }


class InstagramLoginRouter(Router):
    """The shared routes as graph.instagram.com serves them: ``/me`` is the account, whose own
    nodes only are reachable, and nothing Facebook-Login-only answers."""

    def __init__(self, dataset: Dataset, account_id: str) -> None:
        super().__init__(dataset)
        self.account_id = account_id
        self._foreign = _owned_by_others(dataset, account_id)

    def dispatch(self, method: str, path: str, call: Call) -> dict[str, Any]:
        version, segments = split_version(path)
        if segments and segments[0] == "me":
            segments[0] = self.account_id
        if segments:
            self._refuse(segments[0])
        for node_id in call.params.get("ids", "").split(",") if not segments else ():
            self._refuse(node_id.strip())
        params = dict(call.params)
        fields = params.get("fields")
        wanted_user_id = False
        if len(segments) == 1 and segments[0] == self.account_id and fields:
            names = _top_level(fields)
            if any(n.split(".", 1)[0].split("{", 1)[0] in FACEBOOK_ONLY_FIELDS for n in names):
                raise nonexisting_field("business_discovery", "User")
            wanted_user_id = "user_id" in names
            params["fields"] = ",".join(n for n in names if n != "user_id") or "id"
        token = call.token
        seen_as = IssuedToken(self.data.user_id, facebook_scopes(token.scopes), token.expires_at)
        shared = Call(seen_as, call.token_value, call.version, params, call.root)
        body = super().dispatch(method, "/" + "/".join([version, *segments]), shared)
        if wanted_user_id:
            body["user_id"] = self.account_id
        return body

    def _refuse(self, node_id: str) -> None:
        if node_id == "ig_hashtag_search" or node_id in self._foreign:
            raise unsupported_get(node_id)
        node = self.data.get(node_id)
        if node is not None and node.type in FACEBOOK_ONLY_NODES:
            raise unsupported_get(node_id)


def facebook_scopes(scopes: tuple[str, ...]) -> tuple[str, ...]:
    """What Instagram Login scopes allow on the shared routes, in Facebook Login's names."""
    return tuple(dict.fromkeys(s for scope in scopes for s in SCOPE_EQUIVALENTS.get(scope, ())))


def _owned_by_others(dataset: Dataset, account_id: str) -> frozenset[str]:
    """Nodes under the other Instagram accounts, which this account's token cannot reach."""
    found: set[str] = set()
    stack = [a for a in (*dataset.account_ids, *dataset.public_ids) if a != account_id]
    while stack:
        node_id = stack.pop()
        if node_id in found or dataset.get(node_id) is None:
            continue
        found.add(node_id)
        for children in dataset[node_id].edges.values():
            stack.extend(children)
    return frozenset(found)


def _top_level(fields: str) -> list[str]:
    """``a,b{c,d},e`` -> ``["a", "b{c,d}", "e"]``: the top-level items of a fields list."""
    items, depth, start = [], 0, 0
    for index, char in enumerate(fields + ","):
        depth += {"{": 1, "(": 1, "}": -1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(fields[start:index].strip())
            start = index + 1
    return [item for item in items if item]


def _segments(path: str) -> tuple[str, list[str]]:
    segments = [s for s in path.split("/") if s]
    if segments and segments[0][:1] == "v" and segments[0][1:2].isdigit():
        return segments[0], segments[1:]
    return "", segments


def _json(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=200, mimetype="application/json")


def _redirect(uri: str, query: dict[str, str]) -> Response:
    separator = "&" if urlsplit(uri).query else "?"
    return Response(status=302, headers={"Location": f"{uri}{separator}{urlencode(query)}#_"})
