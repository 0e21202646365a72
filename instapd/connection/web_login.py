"""Web-mode login over a connection: for remote kernels (Binder, JupyterHub), where localhost is
not the user's machine. instapd builds the login URL; the user logs in and pastes back the
address the browser landed on. The panel, the CData procedures and ``instapd.login`` call these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..auth.credentials import Credentials
from ..auth.flows import authorization_url, callback_state, exchange_code, new_state, parse_callback
from ..errors import StateMismatchError

if TYPE_CHECKING:
    from .core import BaseConnection


def start_web_login(
    connection: BaseConnection,
    *,
    callback_url: str | None = None,
    scopes: tuple[str, ...] | None = None,
    state: str | None = None,
) -> str:
    """The login URL for web mode; its ``state`` is remembered for :func:`finish_web_login`."""
    state = state or new_state()
    url, _ = authorization_url(
        connection.oauth_app(),
        callback_url or connection.config.callback_url,
        scopes or connection.scopes,
        state,
    )
    connection.pending_states.add(state)
    return url


def finish_web_login(
    connection: BaseConnection,
    verifier: str,
    *,
    callback_url: str | None = None,
    state: str | None = None,
    save: bool = True,
    bare_code: bool = False,
) -> Credentials:
    """Exchange the code, then (with ``save``) store it and use it.

    ``verifier`` is the address the browser landed on (its ``state`` is checked against
    ``state``, or the states :func:`start_web_login` issued), or with ``bare_code`` the code.
    """
    verifier = verifier.strip()
    code = verifier
    if "://" in verifier or not bare_code:
        code = parse_callback(verifier, None)  # a refusal in the URL is raised first
        landed = callback_state(verifier)
        if landed not in ({state} if state else connection.pending_states):
            raise StateMismatchError()
        connection.pending_states.discard(str(landed))
    redirect = callback_url or connection.config.callback_url
    credentials = exchange_code(connection.oauth_app(), code, redirect)
    if save:
        connection.token_store().save(credentials)
    connection.use_credentials(credentials)
    return credentials
