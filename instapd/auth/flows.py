"""Logging in, whichever the scheme: the dialog URL, the callback, the code exchange, refresh.

``AuthScheme`` picks the module that knows the provider: :mod:`.facebook` (Facebook Login) or
:mod:`.instagram` (Instagram Login), each a :class:`~.oauth.LoginScheme` over the shared base
in :mod:`.oauth`. Every request they make goes through the one send path
(:mod:`instapd.graph.send`).
"""

from __future__ import annotations

from ..config import INSTAGRAM_LOGIN
from .credentials import Credentials
from .facebook import FacebookLogin
from .instagram import InstagramLogin
from .oauth import (
    LoginScheme,
    OAuthApp,
    callback_state,
    dialog_uri,
    new_state,
    parse_callback,
)

__all__ = [
    "DEFAULT_SCOPES",
    "OAuthApp",
    "authorization_url",
    "callback_state",
    "exchange_code",
    "new_state",
    "parse_callback",
    "refresh",
    "scheme_for",
]

DEFAULT_SCOPES = (
    "instagram_basic",
    "instagram_manage_comments",  # also what comment, reply, hide and comments on/off need
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "instagram_manage_contents",  # deleting media
    "instagram_content_publish",  # publishing posts, reels, carousels and stories
)


def scheme_for(app: OAuthApp) -> LoginScheme:
    """The login scheme of ``app.scheme`` (``AuthScheme``)."""
    return InstagramLogin(app) if app.scheme == INSTAGRAM_LOGIN else FacebookLogin(app)


def authorization_url(
    app: OAuthApp,
    redirect_uri: str,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    state: str | None = None,
) -> tuple[str, str]:
    """The login dialog URL for this app, and the ``state`` it carries."""
    issued = state or new_state()
    return dialog_uri(app, redirect_uri, scopes, issued), issued


def exchange_code(app: OAuthApp, code: str, redirect_uri: str) -> Credentials:
    """The code the callback carried -> a long-lived token -> what it is for."""
    return scheme_for(app).exchange_code(code, redirect_uri)


def refresh(app: OAuthApp, credentials: Credentials) -> Credentials:
    """A fresh long-lived token for a valid one."""
    return scheme_for(app).refresh(credentials)
