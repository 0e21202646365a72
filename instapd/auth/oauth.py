"""What both login schemes share: the app (:class:`OAuthApp`), the dialog URL, the callback,
and :func:`send`, the login steps' way onto the one send path (:mod:`instapd.graph.send`).

The schemes (:mod:`.facebook`, :mod:`.instagram`) subclass :class:`LoginScheme` and keep their
provider's quirks to themselves, as requests-oauthlib keeps them in compliance hooks;
:mod:`.flows` picks one by ``AuthScheme``.

oauthlib speaks the protocol (the dialog URI, the token request body, the token answer); the
HTTP goes through the send path, with the connection's session when it has one. oauthlib
insists on HTTPS and reads its one switch from the process environment, which would lift the
rule for every thread. Instead, :func:`dialog_uri` hands oauthlib the HTTPS form of a loopback
URL (the sandbox, the desktop callback) and puts the scheme back: plain HTTP is allowed for
loopback addresses only, one call at a time, and the environment is never touched.

oauthlib and requests are imported by the functions that use them: a plain read never logs
in, and ``import instapd`` stays cheap.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..config import FACEBOOK_LOGIN, INSTAGRAM_LOGIN
from ..errors import (
    AccessDeniedError,
    CodeExchangeError,
    GraphError,
    LoginError,
    LoginUnreachableError,
    NetworkError,
    StateMismatchError,
)
from ..validation import is_graph_id, is_loopback
from .credentials import Credentials

if TYPE_CHECKING:
    import requests

    from ..graph.send import Sender

_EXCHANGE_REASONS = {36007: "expired", 36009: "reused", 36008: "redirect_uri"}


@dataclass(frozen=True)
class OAuthApp:
    """The user's Meta app and where its login lives.

    ``session`` is the connection's ``requests.Session`` (an in-process transport may be mounted
    on it); without one each login step uses a session of its own.
    """

    client_id: str
    client_secret: str | None = field(repr=False)
    graph_url: str
    version: str
    dialog_url: str
    timeout: float = 60.0
    scheme: str = FACEBOOK_LOGIN
    access_token_url: str | None = None  # OAuthAccessTokenURL; else the Graph API's
    max_body: int = 64_000_000  # the most bytes an answer may hold (graph.send.MAX_BODY)
    session: requests.Session | None = field(default=None, repr=False, compare=False)

    @property
    def token_url(self) -> str:
        if self.access_token_url:
            return self.access_token_url
        return f"{self.graph_url.rstrip('/')}/{self.version}/oauth/access_token"

    @property
    def token_url_setting(self) -> str:
        """The property that names :attr:`token_url`."""
        return "OAuthAccessTokenURL" if self.access_token_url else "GraphURL"

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


class LoginScheme:
    """One way of logging in. Subclasses exchange a code and refresh a token their way."""

    #: The fields ``/me`` is asked for, and which of them is the user's name.
    me_fields = "id,name"
    name_field = "name"

    def __init__(self, app: OAuthApp) -> None:
        self.app = app

    def exchange_code(self, code: str, redirect_uri: str) -> Credentials:
        raise NotImplementedError

    def refresh(self, credentials: Credentials) -> Credentials:
        raise NotImplementedError

    def me(self, token: str) -> tuple[str, str | None]:
        """The token's user: its id (checked to be digits) and name."""
        me = send(self.app, "GET", graph(self.app, "me"), {"fields": self.me_fields}, token=token)
        return user_id(me.get("id"), self.app.name), me.get(self.name_field)


def new_state() -> str:
    return secrets.token_urlsafe(24)


def dialog_uri(app: OAuthApp, redirect_uri: str, scopes: tuple[str, ...], state: str) -> str:
    """The login dialog's address (oauthlib builds it; see the module docstring for HTTP)."""
    from oauthlib.oauth2 import WebApplicationClient

    dialog = app.dialog_url
    loopback_http = dialog.startswith("http://") and is_loopback(dialog)
    if loopback_http:
        dialog = "https://" + dialog.removeprefix("http://")
    url = WebApplicationClient(app.client_id).prepare_request_uri(
        dialog, redirect_uri=redirect_uri, scope=",".join(scopes), state=state
    )
    return "http://" + url.removeprefix("https://") if loopback_http else str(url)


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


@contextmanager
def _sender(app: OAuthApp) -> Iterator[Sender]:
    import requests

    from ..graph.send import Sender

    own = None if app.session is not None else requests.Session()
    session = app.session or own
    assert session is not None
    try:
        yield Sender(
            session=session,
            timeout=app.timeout,
            max_body=app.max_body,
            app_secret=app.client_secret,
            where=app.name,
        )
    finally:
        if own is not None:
            own.close()


def send(
    app: OAuthApp,
    method: str,
    url: str,
    params: dict[str, str] | None = None,
    *,
    form: dict[str, str] | None = None,
    token: str | None = None,
    proof_of: str | None = None,
    exchange: bool = False,
) -> dict[str, Any]:
    """One login step through the send path; its JSON object, or a :class:`LoginError`.

    Secrets go in a form body, never in a URL. A request with a token carries its
    ``appsecret_proof`` (apps may require it on every call). ``exchange`` marks the code
    exchange at api.instagram.com, which says why a code failed in words only.
    """
    unreachable: str | None = None
    with _sender(app) as sender:
        try:
            body = sender.send(
                method, url, token=token, proof_of=proof_of, params=params, form=form
            ).body
        except NetworkError as exc:
            unreachable = exc.message.split(" ", 1)[0]
        except GraphError as error:
            if exchange:
                raise CodeExchangeError("refused", error.message) from None
            raise login_error(error, app.name) from None
    if unreachable is not None:  # raised here: the network error's context holds the URL
        setting = app.token_url_setting if url == app.token_url else "GraphURL"
        raise LoginUnreachableError(app.name, url, setting, unreachable)
    if not isinstance(body, dict):
        raise LoginError(
            f"{app.name} answered {url} with something other than a JSON object; check that "
            "GraphURL and OAuthAccessTokenURL point at Meta, then log in again."
        )
    return dict(body)


def login_error(error: GraphError, name: str = "Facebook Login") -> LoginError:
    reason = _EXCHANGE_REASONS.get(error.subcode or 0)
    if reason:
        return CodeExchangeError(reason, error.message)
    return LoginError(f"{name} refused the request: {error.message}")


def user_id(value: Any, name: str = "Facebook Login") -> str:
    if not is_graph_id(value):
        raise LoginError(
            f"{name} answered /me with a user id that is not a string of digits; "
            "check that GraphURL points at the Graph API, then log in again."
        )
    return str(value)


def graph(app: OAuthApp, path: str) -> str:
    return f"{app.graph_url.rstrip('/')}/{app.version}/{path}"
