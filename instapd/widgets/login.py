"""The login panel: a thin view over the connection's login. Every button calls a plain function.

It never blocks its own cell: the desktop flow waits for the browser in a background thread and
updates the panel. A later cell can wait with :meth:`LoginPanel.wait`.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as widgets

from ..auth.credentials import Credentials
from ..connection import BaseConnection, finish_web_login, start_web_login
from ..errors import InstapdError


class LoginPanel(widgets.VBox):  # type: ignore[misc]
    """Log in with Facebook, then pick the business account to read."""

    def __init__(self, connection: BaseConnection, *, mode: str = "desktop") -> None:
        self.connection = connection
        self.mode = mode
        self.error: InstapdError | None = None
        self._done = threading.Event()
        self.status = widgets.HTML()
        self.login_button = widgets.Button(
            description="Log in", button_style="primary", icon="sign-in"
        )
        self.link = widgets.HTML()
        self.pasted = widgets.Text(
            placeholder="Paste the address your browser landed on after Allow",
            layout=widgets.Layout(width="36em"),
        )
        self.submit_button = widgets.Button(description="Submit")
        self.paste_row = widgets.HBox([self.pasted, self.submit_button])
        self.accounts = widgets.Dropdown(
            description="Account:", options=[], disabled=True, layout=widgets.Layout(width="30em")
        )
        self.logout_button = widgets.Button(description="Log out", icon="sign-out")
        self.login_button.on_click(lambda _: self.start())
        self.submit_button.on_click(lambda _: self.submit())
        self.logout_button.on_click(lambda _: self.log_out())
        self.accounts.observe(self._account_chosen, names="value")
        super().__init__(
            [self.status, widgets.HBox([self.login_button, self.logout_button]), self.link,
             self.paste_row, self.accounts]
        )  # fmt: skip
        self._show(self.connection.credentials)

    # -- actions (the buttons call these) --------------------------------------------------

    def start(self) -> None:
        """Begin the login: the dialog link, and in desktop mode the loopback listener."""
        self.error = None
        self._done.clear()
        try:
            if self.mode == "web":
                url = start_web_login(self.connection)
                self._link(url)
                self._status("Waiting: log in in the new tab, then paste the address here.")
                return
            self._status("Waiting for the browser…")
            threading.Thread(target=self._desktop, name="instapd-login", daemon=True).start()
        except InstapdError as exc:
            self._fail(exc)

    def submit(self) -> None:
        """Web mode: exchange the pasted address. The box is cleared at once."""
        landed, self.pasted.value = self.pasted.value, ""
        if not landed.strip():
            self._status("Paste the address your browser landed on first.")
            return
        try:
            self._succeed(finish_web_login(self.connection, landed))
        except InstapdError as exc:
            self._fail(exc)

    def log_out(self) -> None:
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

    def _desktop(self) -> None:
        # the panel shows a link to click; a connection's own browser= (tests) still applies
        try:
            credentials = self.connection.login_desktop(
                on_url=self._link, open_browser=self.connection.browser or _link_only
            )
            self._succeed(credentials)
        except InstapdError as exc:
            self._fail(exc)

    def _link(self, url: str) -> None:
        self.link.value = (
            f'<a href="{html.escape(url)}" target="_blank" rel="noopener">'
            "Open the Facebook login page</a>"
        )

    def _succeed(self, credentials: Credentials) -> None:
        self._show(credentials)
        self._done.set()

    def _fail(self, error: InstapdError) -> None:
        self.error = error
        self._status(f"<b>Login failed.</b> {html.escape(str(error))}")
        self._done.set()

    def _status(self, text: str) -> None:
        self.status.value = text

    def _show(self, credentials: Credentials | None) -> None:
        web = self.mode == "web"
        self.paste_row.layout.display = None if web and credentials is None else "none"
        self.logout_button.disabled = credentials is None
        if credentials is None:
            self._status(
                "Logged out." + (" Log in, then paste the address you land on." if web else "")
            )
            self.accounts.options, self.accounts.disabled = [], True
            return
        self._status(f"Logged in as <b>{html.escape(credentials.describe())}</b>.")
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

    def _account_chosen(self, change: dict[str, Any]) -> None:
        if change.get("new"):
            self.connection.use_account(str(change["new"]))


def _link_only(url: str) -> None:
    """In a notebook the panel's link opens the dialog: the kernel may be far from any browser."""
