"""One login, two ways to finish it: the loopback listener catches the redirect, or the user
pastes the address the browser landed on. Whichever completes first wins; the other is cancelled.

The dialog URL carries the listener's ``redirect_uri`` when one runs (else ``CallbackURL``), so
a pasted address exchanges with the same ``redirect_uri`` either way. The login panel and
``instapd.login`` in a terminal both use this.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..errors import AccessDeniedError, CodeExchangeError, LoginError
from .web_login import finish_web_login, start_web_login

if TYPE_CHECKING:
    from ..auth.callback import CallbackListener
    from ..auth.credentials import Credentials
    from .core import BaseConnection


class LoginAttempt:
    """Start a login: with ``listen``, a loopback listener on ``CallbackURL`` as well."""

    def __init__(self, connection: BaseConnection, *, listen: bool) -> None:
        from ..auth.flows import new_state

        self.connection = connection
        self.state = new_state()
        self._listener: CallbackListener | None = None
        if listen:
            from ..auth.callback import CallbackListener  # werkzeug: only for a listener

            self._listener = CallbackListener(connection.config.callback_url, self.state).start()
        self.redirect_uri = (
            self._listener.redirect_uri if self._listener else connection.config.callback_url
        )
        try:
            self.url = start_web_login(connection, callback_url=self.redirect_uri, state=self.state)
        except BaseException:
            self.cancel()
            raise
        self._lock = threading.Lock()
        self._credentials: Credentials | None = None
        self._over = False

    @property
    def listening(self) -> bool:
        """True while the loopback listener may still complete this login."""
        return self._listener is not None and not self._over

    @property
    def credentials(self) -> Credentials | None:
        """What the login got, once it completed (either way)."""
        return self._credentials

    def wait(self, timeout: float) -> Credentials | None:
        """Block until the listener has the redirect and exchange its code. None when a paste
        won or the attempt was cancelled first."""
        if self._listener is None:
            raise LoginError("This login has no listener: paste the address you landed on.")
        try:
            code = self._listener.wait(timeout)
        except LoginError:
            if self._over:
                return None
            self.cancel()
            raise
        with self._lock:
            if self._over:
                return None
            try:
                return self._finish(code, bare_code=True)
            finally:
                self._end()

    def paste(self, landed: str) -> Credentials:
        """Finish with the address the browser landed on. A mistyped paste leaves the listener
        running; a refusal or a spent code ends the attempt."""
        with self._lock:
            if self._credentials is not None:
                return self._credentials
            if self._over:
                raise LoginError("This login is over: click Log in to start a new one.")
            try:
                credentials = self._finish(landed, bare_code=False)
            except (AccessDeniedError, CodeExchangeError):
                self._end()
                raise
            self._end()
            return credentials

    def cancel(self) -> None:
        """Stop the attempt: the listener stops, and a paste is refused from now on."""
        self._over = True
        self._end()

    def _finish(self, verifier: str, *, bare_code: bool) -> Credentials:
        self._credentials = finish_web_login(
            self.connection,
            verifier,
            callback_url=self.redirect_uri,
            state=self.state,
            bare_code=bare_code,
        )
        return self._credentials

    def _end(self) -> None:
        self._over = True
        self.connection.pending_states.pop(self.state, None)
        if self._listener is not None:
            self._listener.cancel()
