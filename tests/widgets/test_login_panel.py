"""The login panel without a browser: set ``.value``, call ``.click()``, read what it shows."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ipywidgets as widgets
import pytest

import instapd
from instapd.sandbox import Sandbox
from instapd.widgets import LoginPanel

from ..browser_double import click_through


def _connection(sandbox: Sandbox, tmp_path: Path, **props: Any) -> instapd.Connection:
    return instapd.connect(
        graph_url=sandbox.url,
        OAuthClientId=sandbox.oauth_app.app_id,
        OAuthClientSecret=sandbox.oauth_app.app_secret,
        OAuthAuthorizationURL=sandbox.dialog_url,
        OAuthSettingsLocation=str(tmp_path / "token.json"),
        CallbackURL="http://localhost:0/",
        **props,
    )


def _href(panel: LoginPanel) -> str:
    match = re.search(r'href="([^"]+)"', panel.link.value)
    assert match, panel.link.value
    return match[1].replace("&amp;", "&")


def _all_state(widget: widgets.Widget) -> str:
    """Every synced value of the panel and its children, as the front end would receive it."""
    states = [json.dumps(widget.get_state(), default=str)]
    for child in getattr(widget, "children", ()):
        states.append(_all_state(child))
    return "\n".join(states)


def test_web_mode_paste_flow(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connection(clean_sandbox, tmp_path)
    panel = LoginPanel(connection, mode="web")
    assert "Logged out" in panel.status.value
    assert panel.paste_row.layout.display is None
    panel.login_button.click()
    landed = click_through(_href(panel), land=False)
    panel.pasted.value = landed
    panel.submit_button.click()
    assert panel.pasted.value == "", "the pasted address is cleared at once"
    assert "Logged in as <b>Sam Sandbox, token valid for 59 days</b>" in panel.status.value
    assert panel.paste_row.layout.display == "none"
    first, second = clean_sandbox.account_ids
    assert [value for _, value in panel.accounts.options] == [first, second]
    assert panel.accounts.options[0][0] == f"@brewlab.coffee ({first})"
    panel.accounts.value = second
    assert connection.config.business_account_id == second
    assert set(connection.read("Stories")["business_account_id"]) == {second}
    assert panel.wait(1).user_name == "Sam Sandbox"
    token = connection.credentials.access_token if connection.credentials else "missing"
    assert token not in _all_state(panel)
    assert (tmp_path / "token.json").exists()


def test_desktop_mode_never_blocks_and_updates_itself(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    connection = _connection(clean_sandbox, tmp_path, browser=click_through)
    panel = LoginPanel(connection, mode="desktop")
    assert panel.paste_row.layout.display is None, "the paste box is always offered"
    assert panel.why.layout.display == "none", "nothing to explain: it listens"
    panel.login_button.click()  # returns at once; a thread waits for the browser
    credentials = panel.wait(timeout=20)
    assert credentials.user_name == "Sam Sandbox"
    assert "Logged in as" in panel.status.value
    assert len(panel.accounts.options) == 2
    assert credentials.access_token not in _all_state(panel)


def test_a_denied_login_is_shown_and_raised_by_wait(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    panel = LoginPanel(_connection(clean_sandbox, tmp_path), mode="web")
    panel.login_button.click()
    panel.pasted.value = click_through(_href(panel), "deny", land=False)
    panel.submit_button.click()
    assert "Login failed" in panel.status.value
    with pytest.raises(instapd.AccessDeniedError):
        panel.wait(1)
    assert not (tmp_path / "token.json").exists()


def test_an_empty_paste_asks_again(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    panel = LoginPanel(_connection(clean_sandbox, tmp_path), mode="web")
    panel.submit_button.click()
    assert "Paste the address" in panel.status.value


def test_log_out(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connection(clean_sandbox, tmp_path, browser=click_through)
    panel = LoginPanel(connection, mode="desktop")
    panel.login_button.click()
    panel.wait(20)
    panel.logout_button.click()
    assert panel.status.value.startswith("Logged out")
    assert panel.accounts.disabled
    assert not (tmp_path / "token.json").exists()
    assert connection.credentials is None


def test_sandbox_mode_logs_in_on_the_sandbox_login_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INSTAPD_SANDBOX", "1")
    connection = instapd.connect(
        OAuthSettingsLocation=str(tmp_path / "token.json"), CallbackURL="http://localhost:0/"
    )
    panel = LoginPanel(connection, mode="web")
    panel.login_button.click()
    assert "/dialog/oauth?" in _href(panel)
    panel.pasted.value = click_through(_href(panel), land=False)
    panel.submit_button.click()
    assert "Sam Sandbox" in panel.status.value
    assert len(connection.read("Stories", account="brewlab.coffee")) > 0


def _closed_port() -> int:
    """A loopback port nothing listens on: a token endpoint that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _saved_state() -> str:
    """What a notebook saves as its widget state: every live widget's synced values."""
    return json.dumps(widgets.Widget.get_manager_state(drop_defaults=False), default=str)


def test_a_pasted_address_leaves_no_code_in_the_widget_state_even_unsubmitted(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    panel = LoginPanel(_connection(clean_sandbox, tmp_path), mode="web")
    panel.login_button.click()
    landed = click_through(_href(panel), land=False)
    code = parse_qs(urlsplit(landed).query)["code"][0]
    panel.pasted.value = landed  # pasted, Submit never clicked
    assert code not in _saved_state()
    assert code not in _all_state(panel)
    assert "Logged in as" in panel.status.value


def test_a_dead_token_endpoint_shows_the_failure_and_a_retry_logs_in(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/oauth/access_token"
    connection = _connection(clean_sandbox, tmp_path, OAuthAccessTokenURL=dead)
    panel = LoginPanel(connection, mode="web")
    panel.login_button.click()
    panel.pasted.value = click_through(_href(panel), land=False)
    assert "Login failed" in panel.status.value
    assert "Click <b>Log in</b> to try again" in panel.status.value
    assert "Waiting" not in panel.status.value
    with pytest.raises(instapd.LoginError) as failed:
        panel.wait(1)
    assert clean_sandbox.oauth_app.app_secret not in panel.status.value
    assert clean_sandbox.oauth_app.app_secret not in str(failed.value)
    assert not panel.login_button.disabled
    connection.config = connection.config.with_(token_url=None)  # the endpoint is back
    panel.login_button.click()
    assert "Login failed" not in panel.status.value
    panel.pasted.value = click_through(_href(panel), land=False)
    assert "Logged in as" in panel.status.value
    assert panel.wait(1).user_name == "Sam Sandbox"


def test_a_dead_token_endpoint_ends_the_listeners_wait_too(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{_closed_port()}/oauth/access_token"
    connection = _connection(
        clean_sandbox, tmp_path, OAuthAccessTokenURL=dead, browser=click_through
    )
    panel = LoginPanel(connection, mode="desktop")
    panel.login_button.click()  # the listener's thread gets the code and fails to exchange it
    with pytest.raises(instapd.LoginError):
        panel.wait(60)
    assert "Login failed" in panel.status.value
    assert "Waiting" not in panel.status.value
