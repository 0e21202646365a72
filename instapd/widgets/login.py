"""The login panel: a thin view over the connection's login. Every button calls a plain function.

It always offers the paste box; where the browser can reach this machine a loopback listener
runs too, and whichever completes the login first wins (:class:`~instapd.connection.LoginAttempt`).
It never blocks its own cell: the listener waits in a background thread and updates the panel. A
later cell can wait with :meth:`LoginPanel.wait`.
"""

from __future__ import annotations

import html
import importlib
import threading
from typing import Any

import ipywidgets as widgets

from ..auth.credentials import Credentials
from ..auth.session import LOGIN_TIMEOUT
from ..auth.where import where
from ..connection import BaseConnection, LoginAttempt
from ..errors import InstapdError, LoginError, UsageError
from ..validation import is_loopback

PASTE_HELP = "If the page after Allow doesn't load, paste its address here."
MODES = ("auto", "desktop", "web")


class LoginPanel(widgets.VBox):  # type: ignore[misc]
    """Log in with Facebook (or Instagram, under ``AuthScheme=InstagramLogin``), then pick the
    business account to read.

    ``mode``: ``"auto"`` listens unless this kernel runs where the browser cannot reach it
    (:func:`instapd.auth.where.where`), ``"desktop"`` always listens, ``"web"`` never does.
    """

    def __init__(self, connection: BaseConnection, *, mode: str = "auto") -> None:
        if mode not in MODES:
            raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
        enable_colab_widgets()
        self.connection = connection
        self.mode = mode
        self.listen, self.why_paste = _how(mode, connection.config.callback_url)
        self.error: InstapdError | None = None
        self._done = threading.Event()
        self._attempt: LoginAttempt | None = None
        self._started = 0  # which click of Log in is current: an older listener gives way
        self.status = widgets.HTML()
        self.login_button = widgets.Button(
            description="Log in", button_style="primary", icon="sign-in"
        )
        self.link = widgets.HTML()
        self.why = widgets.HTML(html.escape(self.why_paste))
        self.pasted = widgets.Text(
            placeholder="Paste the address your browser landed on after Allow",
            layout=widgets.Layout(width="36em"),
        )
        self.submit_button = widgets.Button(description="Submit")
        # a pasted address carries the login's code: take it out of the box (and so out of the
        # widget state a saved notebook keeps) the moment it arrives, without waiting for Submit
        self.pasted.observe(self._pasted, names="value")
        self.paste_row = widgets.VBox(
            [widgets.HTML(PASTE_HELP), widgets.HBox([self.pasted, self.submit_button])]
        )
        self.accounts = widgets.Dropdown(
            description="Account:", options=[], disabled=True, layout=widgets.Layout(width="30em")
        )
        self.logout_button = widgets.Button(description="Log out", icon="sign-out")
        self.login_button.on_click(lambda _: self.start())
        self.submit_button.on_click(lambda _: self.submit())
        self.logout_button.on_click(lambda _: self.log_out())
        self.accounts.observe(self._account_chosen, names="value")
        super().__init__(
            [self.status, self.why, widgets.HBox([self.login_button, self.logout_button]),
             self.link, self.paste_row, self.accounts]
        )  # fmt: skip
        self._show(self.connection.credentials)

    # -- actions (the buttons call these) --------------------------------------------------

    def start(self) -> None:
        """Begin the login: the dialog link and the paste box, and the listener if it listens."""
        self.error = None
        self._done.clear()
        self._started += 1
        if self._attempt is not None:
            self._attempt.cancel()
            self._attempt = None
        if self.listen:
            self._status("Waiting for the browser…")
            threading.Thread(
                target=self._listen, args=(self._started,), name="instapd-login", daemon=True
            ).start()
            return
        try:
            self._attempt = LoginAttempt(self.connection, listen=False)
        except InstapdError as exc:
            self._fail(exc)
            return
        self._link(self._attempt.url)
        self._status("Waiting: log in in the new tab, then paste the address here.")

    def submit(self) -> None:
        """Finish with the pasted address. The box is cleared at once."""
        landed, self.pasted.value = self.pasted.value, ""
        if not landed.strip():
            if not self._done.is_set():  # after a login or a failure, keep what it showed
                self._status("Paste the address your browser landed on first.")
            return
        attempt = self._attempt
        if attempt is None:
            self._status("Click <b>Log in</b> first, then paste the address you land on.")
            return
        try:
            self._succeed(attempt.paste(landed))
        except Exception as exc:
            self._fail(exc)

    def log_out(self) -> None:
        if self._attempt is not None:
            self._attempt.cancel()
            self._attempt = None
        self.connection.logout()
        self.link.value = ""
        self._show(None)

    def wait(self, timeout: float | None = None) -> Credentials:
        """Block (in a later cell) until the login completes; raises what it failed with."""
        if not self._done.wait(timeout):
            raise TimeoutError("The login has not completed yet.")
        if self.error is not None:
            raise self.error
        assert self.connection.credentials is not None
        return self.connection.credentials

    # -- view ------------------------------------------------------------------------------

    def _listen(self, started: int) -> None:
        try:
            attempt = LoginAttempt(self.connection, listen=True)
            if started != self._started:  # Log in was clicked again meanwhile
                attempt.cancel()
                return
            self._attempt = attempt
            self._link(attempt.url)
            self._status(
                "Waiting: log in in the new tab. If the page after Allow doesn't load, paste its "
                "address below."
            )
            if self.connection.browser is not None:  # a stand-in for the person (tests)
                self.connection.browser(attempt.url)
            credentials = attempt.wait(LOGIN_TIMEOUT)
            if credentials is not None:  # None: a paste won, or the login was started again
                self._succeed(credentials)
        except Exception as exc:
            if started == self._started:
                self._fail(exc)

    def _pasted(self, change: dict[str, Any]) -> None:
        text = str(change.get("new") or "")
        if "code=" in text or "error=" in text:
            self.submit()

    def _link(self, url: str) -> None:
        login = "Instagram" if self.connection.config.instagram_login else "Facebook"
        self.link.value = (
            f'<a href="{html.escape(url)}" target="_blank" rel="noopener">'
            f"Open the {login} login page</a>"
        )

    def _succeed(self, credentials: Credentials) -> None:
        self.error = None
        self._show(credentials)
        self._done.set()

    def _fail(self, error: Exception) -> None:
        self.error = error if isinstance(error, InstapdError) else _unexpected(error)
        self._status(
            f"<b>Login failed.</b> {html.escape(str(self.error))} Click <b>Log in</b> to try again."
        )
        self._done.set()

    def _status(self, text: str) -> None:
        self.status.value = text

    def _show(self, credentials: Credentials | None) -> None:
        out = credentials is None
        self.paste_row.layout.display = None if out else "none"
        self.why.layout.display = None if out and self.why_paste else "none"
        self.logout_button.disabled = out
        if credentials is None:
            self._status("Logged out.")
            self.accounts.options, self.accounts.disabled = [], True
            return
        self.link.value = ""
        try:
            linked = self.connection.accounts()
        except InstapdError as exc:
            self._status(
                f"Logged in, but the accounts could not be listed: {html.escape(str(exc))}"
            )
            return
        self.accounts.options = [(f"@{a.username} ({a.id})", a.id) for a in linked]
        self.accounts.disabled = not linked
        chosen = self.connection.config.business_account_id
        if linked:
            self.accounts.value = chosen if chosen in {a.id for a in linked} else linked[0].id
        # last, so that whoever sees "Logged in" sees the accounts to pick from too
        self._status(f"Logged in as <b>{html.escape(credentials.describe())}</b>.")

    def _account_chosen(self, change: dict[str, Any]) -> None:
        if change.get("new"):
            self.connection.use_account(str(change["new"]))


def _unexpected(error: Exception) -> LoginError:
    """A failure instapd did not type (a dropped connection to the token endpoint, say) as a
    :class:`LoginError`. Its text may carry the request's URL and its secrets, so only the
    kind is shown; the original stays out of the chain."""
    kind = type(error).__name__
    if isinstance(error, OSError):  # requests' errors are OSErrors too
        return LoginError(
            f"The code exchange failed ({kind}): the token endpoint could not be reached or "
            "did not answer. Check the network and OAuthAccessTokenURL."
        )
    return LoginError(f"The login failed unexpectedly ({kind}).")


def _how(mode: str, callback_url: str) -> tuple[bool, str]:
    """Whether the panel listens, and if not, the one line that says why it offers paste."""
    if mode == "web":
        return False, "Paste only (web mode): nothing here listens for the browser's return."
    if mode == "desktop":
        return True, ""
    here = where()
    if here.remote:
        return False, f"{here.why} After Allow, paste the address your browser lands on."
    if not is_loopback(callback_url):
        return False, "CallbackURL is not on this machine: after Allow, paste its address here."
    return True, ""


def enable_colab_widgets() -> None:
    """Colab shows ipywidgets 8 only through its custom widget manager: turn it on there."""
    try:
        output = importlib.import_module("google.colab.output")
    except ImportError:
        return
    output.enable_custom_widget_manager()
