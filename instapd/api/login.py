"""``login`` and ``logout``: the login panel in a notebook, the terminal login elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..connection import BaseConnection, LoginAttempt
from ..errors import LoginError, UsageError
from .connection import default_connection

if TYPE_CHECKING:
    from ..auth.credentials import Credentials
    from ..widgets import LoginPanel

__all__ = ["LoginResult", "in_notebook", "login", "logout"]


@dataclass(frozen=True)
class LoginResult:
    """What a terminal login stored: whose token, until when, where. Never the token itself."""

    user_name: str | None
    user_id: str | None
    scopes: tuple[str, ...]
    expires_at: datetime | None
    scheme: str
    token_path: Path

    @classmethod
    def of(cls, credentials: Credentials, token_path: Path) -> LoginResult:
        return cls(
            user_name=credentials.user_name,
            user_id=credentials.user_id,
            scopes=credentials.scopes,
            expires_at=credentials.expires_at,
            scheme=credentials.scheme,
            token_path=token_path,
        )


def in_notebook() -> bool:
    """True in a Jupyter kernel that can show widgets."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if get else None
    return kernel is not None and type(kernel).__name__ == "ZMQInteractiveShell"


def login(
    *,
    connection: BaseConnection | None = None,
    web: bool = False,
    desktop: bool = False,
    prompt: Callable[[str], str] = input,
) -> LoginPanel | LoginResult:
    """Log in with Facebook; the token is stored and used.

    Returns the login panel in a notebook (a widget: show it, and ``panel.wait()`` returns
    once the login is done), elsewhere a :class:`LoginResult` once the token is stored.

    In a notebook: the login panel, a link and a box to paste the address the browser landed
    on, plus a loopback listener where the browser can reach this machine (whichever completes
    first wins). Elsewhere the link is printed; then, when a browser can be opened here and the
    machine is not remote, it is opened and the listener waits, else ``prompt`` reads the landed
    address. ``web`` forces paste only; ``desktop`` forces the listener.
    """
    if web and desktop:
        raise UsageError("Pass web=True (paste) or desktop=True (listener), not both.")
    connection = connection or default_connection()
    if in_notebook():
        from ..widgets import LoginPanel

        return LoginPanel(connection, mode="web" if web else "desktop" if desktop else "auto")
    credentials = _terminal_login(connection, web=web, desktop=desktop, prompt=prompt)
    print(f"Logged in as {credentials.describe()}.")
    return LoginResult.of(credentials, connection.token_store().path)


def _terminal_login(
    connection: BaseConnection, *, web: bool, desktop: bool, prompt: Callable[[str], str]
) -> Credentials:
    import webbrowser

    from ..auth.session import LOGIN_TIMEOUT
    from ..auth.where import can_open_browser, try_to_open, where
    from ..validation import is_loopback

    listen = desktop or (
        not web and can_open_browser() and is_loopback(connection.config.callback_url)
    )
    attempt = LoginAttempt(connection, listen=listen)
    try:
        if not listen and not web:
            print(where().why or "No browser can be opened on this machine.")
        print(f"Open this page, log in and allow access:\n\n  {attempt.url}\n", flush=True)
        if not listen:
            print("After Allow, paste the address your browser landed on, even if it did not load.")
            try:
                landed = prompt("Paste the address you landed on: ")
            except EOFError:
                raise LoginError(
                    "Standard input closed before an address was pasted: run the login again "
                    "and paste the address the browser landed on after Allow."
                ) from None
            return attempt.paste(landed)
        if not try_to_open(attempt.url, connection.browser or webbrowser.open):
            print("No browser could be opened here: open the link above yourself.")
        print("Waiting for the browser to come back after Allow…", flush=True)
        credentials = attempt.wait(LOGIN_TIMEOUT)
        assert credentials is not None  # only a paste or a cancel ends it without one
        return credentials
    finally:
        attempt.cancel()


def logout(*, connection: BaseConnection | None = None) -> bool:
    """Delete the stored token and stop using it. True if a token file was removed."""
    return (connection or default_connection()).logout()
