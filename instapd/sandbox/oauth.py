"""Facebook Login as the sandbox plays it: the consent dialog, code exchange, long-lived swap,
``debug_token``, and expiring tokens.

Codes are single use, expire after ten minutes and are bound to the ``redirect_uri`` they were
issued for, with Meta's subcodes when an exchange fails: 36007 expired, 36008 redirect_uri
mismatch, 36009 already used.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from .failures import GraphFailure
from .tokens import IssuedToken, TokenRegistry

CODE_LIFETIME = 600


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued: float


@dataclass
class OAuthApp:
    """The sandbox's registered Meta app and how long its tokens live."""

    app_id: str
    app_secret: str
    #: Facebook Login's lifetimes: short-lived user tokens about 1 h, long-lived 60 days, codes
    #: single use and valid 10 minutes. No 24 h rule: that is Instagram Login's ig_refresh_token;
    #: a valid token is re-exchanged with fb_exchange_token at any age.
    short_lifetime: float = 3600
    long_lifetime: float = 60 * 86400
    code_lifetime: float = CODE_LIFETIME
    clock: Callable[[], float] = time.time


class OAuthRoutes:
    def __init__(
        self,
        app: OAuthApp,
        tokens: TokenRegistry,
        user_id: str,
        user_name: str,
        scopes: tuple[str, ...],
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.user_id, self.user_name = user_id, user_name
        self.known_scopes = scopes
        self._codes: dict[str, _Code | None] = {}
        self._lock = threading.Lock()

    # -- the dialog ------------------------------------------------------------------------

    def dialog(self, request: Request) -> Response:
        args = request.values
        client_id, redirect_uri = args.get("client_id", ""), args.get("redirect_uri", "")
        if client_id != self.app.app_id:
            return _page(
                "Invalid App ID", f"<p>No app has the id {html.escape(client_id)}.</p>", 400
            )
        if urlsplit(redirect_uri).scheme not in ("http", "https"):
            return _page("Invalid redirect_uri", "<p>redirect_uri must be an http(s) URL.</p>", 400)
        scopes = [s for s in args.get("scope", "").replace(",", " ").split() if s]
        items = "".join(f"<li>{html.escape(s)}</li>" for s in scopes) or "<li>public profile</li>"
        return consent_page(
            "Log in with Facebook (sandbox)",
            (client_id, redirect_uri, args.get("state", ""), scopes),
            who=html.escape(self.user_name),
            items=items,
            deny="Deny",
        )

    def decide(self, request: Request) -> Response:
        form = request.form
        redirect_uri, state = form.get("redirect_uri", ""), form.get("state", "")
        if form.get("client_id") != self.app.app_id or not redirect_uri:
            return _page("Invalid request", "<p>Start the login again.</p>", 400)
        if form.get("decision") != "allow":
            query = {
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
                "state": state,
            }
            return _redirect(redirect_uri, query)
        scopes = tuple(s for s in form.get("scope", "").split(",") if s in self.known_scopes)
        code = self.issue_code(redirect_uri, scopes)
        return _redirect(redirect_uri, {"code": code, "state": state})

    def issue_code(self, redirect_uri: str, scopes: tuple[str, ...]) -> str:
        """A code, as the dialog gives one after "Allow": single use, valid 10 minutes."""
        code = secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = _Code(self.app.app_id, redirect_uri, scopes, self.app.clock())
        return code

    # -- token endpoints -------------------------------------------------------------------

    def access_token(self, request: Request) -> dict[str, Any]:
        args = request.values
        if args.get("client_id") != self.app.app_id:
            raise GraphFailure(101, "Error validating application. Invalid application ID.")
        if args.get("client_secret") != self.app.app_secret:
            raise GraphFailure(1, "Error validating client secret.", type_="OAuthException")
        if args.get("grant_type") == "fb_exchange_token":
            return self._long_lived(args.get("fb_exchange_token", ""))
        return self._exchange(args.get("code", ""), args.get("redirect_uri", ""))

    def _exchange(self, code: str, redirect_uri: str) -> dict[str, Any]:
        with self._lock:
            if code not in self._codes:
                raise GraphFailure(100, "Invalid verification code format.", subcode=36008)
            issued = self._codes[code]
            if issued is None:
                raise GraphFailure(100, "This authorization code has been used.", subcode=36009)
            if self.app.clock() - issued.issued > self.app.code_lifetime:
                raise GraphFailure(100, "This authorization code has expired.", subcode=36007)
            if redirect_uri != issued.redirect_uri:
                raise GraphFailure(
                    100,
                    "Error validating verification code. Please make sure your redirect_uri is "
                    "identical to the one you used in the OAuth dialog request",
                    subcode=36008,
                )
            self._codes[code] = None
        token = self.tokens.issue(self.user_id, issued.scopes, self.app.short_lifetime)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.app.short_lifetime),
        }

    def _long_lived(self, short: str) -> dict[str, Any]:
        found = self.tokens.lookup(short)
        if found is None or found.expired():
            raise GraphFailure(
                190, "Error validating access token: the session has expired.", subcode=463
            )
        token = self.tokens.issue(found.user_id, found.scopes, self.app.long_lifetime)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.app.long_lifetime),
        }

    def debug_token(
        self, values: Mapping[str, str], asker: IssuedToken | None = None
    ) -> dict[str, Any]:
        """What Meta's ``debug_token`` says of ``input_token``. The asker's ``access_token`` is
        the app's token, or a valid token of the app (Meta takes a token of one of the app's
        developers; the sandbox's users all are): ``asker``, a batch's own token."""
        given = values.get("access_token", "")
        known = self.tokens.lookup(given) if given else asker
        if given != f"{self.app.app_id}|{self.app.app_secret}" and (
            known is None or known.expired()
        ):
            raise GraphFailure(190, "Invalid OAuth access token signature.")
        found: IssuedToken | None = self.tokens.lookup(values.get("input_token", ""))
        if found is None:
            return {"data": {"is_valid": False, "error": {"code": 190, "message": "Invalid token"}}}
        data: dict[str, Any] = {
            "app_id": self.app.app_id,
            "type": found.kind,
            "application": "instapd sandbox",
            "expires_at": int(found.expires_at or 0),
            "data_access_expires_at": _data_access_expiry(found),
            "is_valid": not found.expired(),
            "issued_at": int(found.issued_at),
            "scopes": list(found.scopes),
            "user_id": found.user_id,
        }
        if found.profile_id is not None:  # a Page token names its Page
            data["profile_id"] = found.profile_id
        return {"data": data}


#: Facebook Login's data access lasts 90 days from the user's last grant (debug_token's
#: ``data_access_expires_at``); a system user's does not lapse (0).
DATA_ACCESS_DAYS = 90


def _data_access_expiry(token: IssuedToken) -> int:
    if token.kind == "SYSTEM_USER":
        return 0
    return int(token.issued_at + DATA_ACCESS_DAYS * 86400)


def _redirect(uri: str, query: dict[str, str]) -> Response:
    separator = "&" if urlsplit(uri).query else "?"
    return Response(status=302, headers={"Location": f"{uri}{separator}{urlencode(query)}#_=_"})


def consent_page(
    title: str,
    request: tuple[str, str, str, Sequence[str]],
    *,
    who: str,
    items: str,
    deny: str,
) -> Response:
    """The consent dialog: ``who`` (HTML) is asked to give the app the scopes listed in
    ``items`` (HTML); ``request`` is the client id, redirect URI, state and scopes to post on."""
    client_id, redirect_uri, state, scopes = request
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
        for k, v in (
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
            ("scope", ",".join(scopes)),
        )
    )
    body = f"""
<p><b>Sandbox app</b> ({html.escape(client_id)}) wants to access, for
<b>{who}</b>:</p><ul id="scopes">{items}</ul>
<form method="post" action="decide">{hidden}
<button name="decision" value="allow" id="allow">Allow</button>
<button name="decision" value="deny" id="deny">{deny}</button></form>"""
    return _page(title, body)


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}"
        "button{font-size:1.1em;margin-right:1em;padding:.4em 1.2em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return Response(document, status=status, mimetype="text/html")
