"""Logging in, as plain functions the panel, the CLI and the tests all call.

Desktop mode runs the browser flow with a loopback callback. Web mode is for remote kernels
(Binder, JupyterHub), where localhost is not the user's machine: instapd builds the login URL,
the user logs in and pastes back the address the browser landed on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import StateMismatchError
from .credentials import Credentials
from .flows import authorization_url, callback_state, exchange_code, new_state, parse_callback

if TYPE_CHECKING:
    from ..connection import Connection


def start_web_login(
    connection: Connection,
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
    connection: Connection,
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


def in_notebook() -> bool:
    """True in a Jupyter kernel that can show widgets."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if get else None
    return kernel is not None and type(kernel).__name__ == "ZMQInteractiveShell"


def login(
    connection: Connection | None = None,
    *,
    web: bool = False,
    prompt: Callable[[str], str] = input,
) -> Any:
    """Log in: the login panel in a notebook; in a terminal the desktop flow, or with ``web``
    the URL to open and a prompt for the address the browser landed on."""
    from ..connection import default_connection

    connection = connection or default_connection()
    if in_notebook():
        from ..widgets import LoginPanel

        return LoginPanel(connection, mode="web" if web else "desktop")
    if web:
        url = start_web_login(connection)
        print(f"Open this page, log in and allow access:\n\n  {url}\n")
        credentials = finish_web_login(connection, prompt("Paste the address you landed on: "))
    else:
        credentials = connection.login_desktop()
    print(f"Logged in as {credentials.describe()}.")
    return credentials


def logout(connection: Connection | None = None) -> bool:
    """Delete the stored token and stop using it. True if a token file was removed."""
    from ..connection import default_connection

    return (connection or default_connection()).logout()
