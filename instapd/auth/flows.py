"""Facebook Login, built on requests-oauthlib: the authorization URL, the code exchange, the
swap for a long-lived token, ``debug_token``, and refresh. Instagram Login's exchange and
refresh differ: :mod:`.instagram` has them, and the functions here hand over to it.

requests-oauthlib, oauthlib and requests are imported by the functions that use them: a plain
read never logs in, and ``import instapd`` stays cheap.

oauthlib insists on HTTPS. The sandbox and the desktop callback live on loopback over plain HTTP,
so :func:`_loopback_http_allowed` lifts that rule for loopback URLs only, for the duration of one
call; every other URL must be HTTPS.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..config import FACEBOOK_LOGIN, INSTAGRAM_LOGIN
from ..errors import (
    AccessDeniedError,
    CodeExchangeError,
    GraphError,
    LoginError,
    StateMismatchError,
)
from ..graph.errors import error_from_body
from ..graph.usage import Usage
from ..validation import is_graph_id, is_loopback
from .credentials import Credentials

if TYPE_CHECKING:
    import requests

DEFAULT_SCOPES = (
    "instagram_basic",
    "instagram_manage_comments",  # also what comment, reply, hide and comments on/off need
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "instagram_manage_contents",  # deleting media
    "instagram_content_publish",  # publishing posts, reels, carousels and stories
)


class _NoDebugBodies(logging.Filter):
    """requests-oauthlib logs request bodies and tokens at DEBUG, client_secret included."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("requests_oauthlib").addFilter(_NoDebugBodies())
logging.getLogger("requests_oauthlib.oauth2_session").addFilter(_NoDebugBodies())

_EXCHANGE_REASONS = {36007: "expired", 36009: "reused", 36008: "redirect_uri"}
_env_lock = threading.Lock()


@dataclass(frozen=True)
class OAuthApp:
    """The user's Meta app and where its Facebook Login lives."""

    client_id: str
    client_secret: str | None = field(repr=False)
    graph_url: str
    version: str
    dialog_url: str
    timeout: float = 60.0
    scheme: str = FACEBOOK_LOGIN
    access_token_url: str | None = None  # OAuthAccessTokenURL; else the Graph API's
    #: Prepares each session a login exchange opens (the connection's proxy, TLS and log).
    prepare_session: Callable[[requests.Session], None] | None = field(
        default=None, repr=False, compare=False
    )
    max_body: int = 64_000_000  # the most bytes an answer may hold (graph.client.MAX_BODY)

    @property
    def token_url(self) -> str:
        if self.access_token_url:
            return self.access_token_url
        return f"{self.graph_url.rstrip('/')}/{self.version}/oauth/access_token"

    @property
    def instagram(self) -> bool:
        """True for Instagram Login (graph.instagram.com), False for Facebook Login."""
        return self.scheme == INSTAGRAM_LOGIN

    @property
    def name(self) -> str:
        return "Instagram Login" if self.instagram else "Facebook Login"

    def require_secret(self) -> str:
        if not self.client_secret:
            raise LoginError(
                "OAuthClientSecret (INSTAPD_APP_SECRET) is needed to exchange the code: it is "
                "your Meta app's App Secret. instapd never ships one."
            )
        return self.client_secret


@contextlib.contextmanager
def _loopback_http_allowed(*urls: str) -> Iterator[None]:
    insecure = [u for u in urls if u.startswith("http://")]
    if not insecure or not all(is_loopback(u) for u in insecure):
        yield
        return
    with _env_lock:
        before = os.environ.get("OAUTHLIB_INSECURE_TRANSPORT")
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)
            else:
                os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = before


def new_state() -> str:
    return secrets.token_urlsafe(24)


def authorization_url(
    app: OAuthApp,
    redirect_uri: str,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    state: str | None = None,
) -> tuple[str, str]:
    """The Facebook Login dialog URL for this app, and the ``state`` it carries."""
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(app.client_id, redirect_uri=redirect_uri, scope=",".join(scopes))
    with _loopback_http_allowed(app.dialog_url):
        url, issued = session.authorization_url(app.dialog_url, state=state or new_state())
    return str(url), str(issued)


def callback_state(callback_url: str) -> str | None:
    """The ``state`` a callback URL carries."""
    values = parse_qs(urlsplit(callback_url).query).get("state")
    return values[0] if values else None


def parse_callback(callback_url: str, expected_state: str | None) -> str:
    """The code in the URL the browser landed on; checks ``state`` and refusals first."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback_url).query).items()}
    if query.get("error"):
        raise AccessDeniedError(query.get("error_reason") or query["error"])
    if expected_state is not None and query.get("state") != expected_state:
        raise StateMismatchError()
    if not query.get("code"):
        raise LoginError(
            "That URL carries no authorization code: paste the whole address the browser "
            "landed on after you clicked Allow."
        )
    return query["code"]


def exchange_code(app: OAuthApp, code: str, redirect_uri: str) -> Credentials:
    """Code -> short-lived token -> long-lived token -> what ``debug_token`` says of it."""
    if app.instagram:
        from . import instagram

        return instagram.exchange_code(app, code, redirect_uri)
    from oauthlib.oauth2 import OAuth2Error
    from requests_oauthlib import OAuth2Session
    from requests_oauthlib.compliance_fixes import facebook_compliance_fix

    session = OAuth2Session(app.client_id, redirect_uri=redirect_uri)
    if app.prepare_session is not None:
        app.prepare_session(session)
    session.hooks["response"].append(_capped_body(app))
    facebook_compliance_fix(session)
    session.register_compliance_hook("access_token_response", _raise_graph_errors)
    try:
        with _loopback_http_allowed(app.token_url, redirect_uri):
            token = session.fetch_token(
                app.token_url,
                code=code,
                client_secret=app.require_secret(),
                include_client_id=True,
                timeout=app.timeout,
            )
    except OAuth2Error as exc:
        raise LoginError(f"The code exchange failed: {exc.description or exc.error}") from None
    return long_lived(app, str(token["access_token"]))


def _capped_body(app: OAuthApp) -> Any:
    """A response hook that reads the body itself, refusing more than ``app.max_body`` bytes
    (requests runs hooks before it would read the whole body into memory)."""
    from ..graph.client import read_capped

    def hook(response: Any, *args: Any, **kwargs: Any) -> Any:
        response._content = read_capped(response, app.max_body, app.name)
        return response

    return hook


def long_lived(app: OAuthApp, token: str) -> Credentials:
    """Swap a token for a long-lived one (``grant_type=fb_exchange_token``); also refreshes.

    Sent as a form body: secrets never go in a URL, where urllib3's DEBUG log would show them.
    """
    body = _call(app, "POST", app.token_url, form={
        "grant_type": "fb_exchange_token",
        "client_id": app.client_id,
        "client_secret": app.require_secret(),
        "fb_exchange_token": token,
    })  # fmt: skip
    return inspect(app, str(body["access_token"]), body.get("expires_in"))


def refresh(app: OAuthApp, credentials: Credentials) -> Credentials:
    """A fresh long-lived token for a valid one."""
    if app.instagram:
        from . import instagram

        return instagram.refresh(app, credentials)
    return long_lived(app, credentials.access_token)


def inspect(app: OAuthApp, token: str, expires_in: Any = None) -> Credentials:
    """Who the token is for and which scopes it carries (``/me``, ``/me/permissions``).

    ``debug_token`` would need the token in the query string, so the token is asked about
    with itself, in the ``Authorization`` header.
    """
    me = _call(app, "GET", _graph(app, "me"), {"fields": "id,name"}, bearer=token)
    granted = _call(app, "GET", _graph(app, "me/permissions"), bearer=token).get("data") or []
    expires_at = None
    if expires_in:
        expires_at = datetime.now(UTC) + timedelta(seconds=int(expires_in))
    return Credentials(
        access_token=token,
        expires_at=expires_at,
        scopes=tuple(p["permission"] for p in granted if p.get("status") == "granted"),
        user_id=_user_id(me.get("id")),
        user_name=me.get("name"),
        issued_at=datetime.now(UTC),
    )


def _user_id(value: Any, name: str = "Facebook Login") -> str:
    if not is_graph_id(value):
        raise LoginError(
            f"{name} answered /me with a user id that is not a string of digits; "
            "check that GraphURL points at the Graph API, then log in again."
        )
    return str(value)


def _graph(app: OAuthApp, path: str) -> str:
    return f"{app.graph_url.rstrip('/')}/{app.version}/{path}"


def _call(
    app: OAuthApp,
    method: str,
    url: str,
    params: dict[str, str] | None = None,
    *,
    form: dict[str, str] | None = None,
    bearer: str | None = None,
    exchange: bool = False,
) -> dict[str, Any]:
    import requests

    from ..graph.client import read_capped  # also hides secrets from urllib3's log

    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    token = bearer or (form or {}).get("fb_exchange_token")
    if token and app.client_secret:  # apps may require the proof on every call with a token
        proof = appsecret_proof(app.client_secret, token)
        if form is not None:
            form = {**form, "appsecret_proof": proof}
        else:
            params = {**(params or {}), "appsecret_proof": proof}
    try:
        with requests.Session() as session:
            if app.prepare_session is not None:
                app.prepare_session(session)
            response = session.request(
                method,
                url,
                params=params,
                data=form,
                headers=headers,
                timeout=app.timeout,
                stream=True,
            )
            body = json.loads(read_capped(response, app.max_body, app.name))
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
    except (requests.RequestException, ValueError) as exc:
        raise LoginError(f"Could not reach {app.name} ({type(exc).__name__}); try again.") from None
    if response.status_code >= 400 or "error" in body:
        error = error_from_body(response.status_code, body, Usage())
        if exchange:  # api.instagram.com says why a code failed in words only
            raise CodeExchangeError("refused", error.message)
        raise _login_error(error, app.name)
    return dict(body)


def appsecret_proof(app_secret: str, token: str) -> str:
    """HMAC-SHA256 of the token keyed with the app secret, as Meta defines it."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def _raise_graph_errors(response: requests.Response) -> requests.Response:
    """requests-oauthlib hook: Graph error bodies become typed errors, by code and subcode."""
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise _login_error(error_from_body(response.status_code, body, Usage()))
    return response


def _login_error(error: GraphError, name: str = "Facebook Login") -> LoginError:
    reason = _EXCHANGE_REASONS.get(error.subcode or 0)
    if reason:
        return CodeExchangeError(reason, error.message)
    return LoginError(f"{name} refused the request: {error.message}")
