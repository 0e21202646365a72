"""Logging in end to end against the sandbox's Facebook Login: desktop, web, store, refresh."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

import instapd
from instapd.auth.session import desktop_login
from instapd.auth.store import TokenStore, TokenStoreWarning
from instapd.sandbox import Sandbox

from ..browser_double import click_through


def never(url: str) -> None:
    raise AssertionError(f"a browser was opened for {url}")


def _connect(sandbox: Sandbox, tmp_path: Path, **props: Any) -> instapd.Connection:
    settings: dict[str, Any] = {
        "graph_url": sandbox.url,
        "OAuthClientId": sandbox.oauth_app.app_id,
        "OAuthClientSecret": sandbox.oauth_app.app_secret,
        "OAuthAuthorizationURL": sandbox.dialog_url,
        "OAuthSettingsLocation": str(tmp_path / "token.json"),
        "CallbackURL": "http://localhost:0/callback",
        "Cache": False,
    }
    settings.update(props)
    return instapd.connect(**settings)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_desktop_flow_then_a_new_connection_opens_no_browser(
    clean_sandbox: Sandbox, tmp_path: Path, account: str, scheme: str
) -> None:
    first = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH",
                     CallbackURL=f"{scheme}://localhost:0/", browser=click_through)  # fmt: skip
    assert len(first.read("Stories", account=account)) > 0
    credentials = first.credentials
    assert credentials is not None
    assert credentials.user_name == "Sam Sandbox"
    assert "instagram_manage_insights" in credentials.scopes
    assert credentials.expires_in is not None
    assert credentials.expires_in.days >= 59  # swapped for a long-lived token
    token_file = tmp_path / "token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert list(tmp_path.glob(".token-*")) == [], "no temporary file left behind"
    second = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=never)
    assert len(second.read("Stories", account=account)) > 0


def test_web_flow_through_the_stored_procedures(
    clean_sandbox: Sandbox, tmp_path: Path, account: str
) -> None:
    connection = _connect(clean_sandbox, tmp_path)
    callback = "https://app.example/instagram/callback"
    url = connection.call("GetOAuthAuthorizationURL", AuthMode="WEB", CallbackURL=callback,
                          State="s-123")["URL"].iloc[0]  # fmt: skip
    assert url.startswith(clean_sandbox.dialog_url + "?")
    assert "state=s-123" in url
    assert "response_type=code" in url
    assert "instagram_manage_comments" in url
    landed = click_through(url, land=False)  # the app's own callback receives this
    result = connection.call("GetOAuthAccessToken", AuthMode="WEB", Verifier=landed,
                             CallbackURL=callback, State="s-123")  # fmt: skip
    assert list(result.columns) == ["OAuthAccessToken", "ExpiresIn"]
    assert result["ExpiresIn"].iloc[0] > 59 * 86400
    stored = json.loads((tmp_path / "token.json").read_text())
    assert stored["access_token"] == result["OAuthAccessToken"].iloc[0]
    later = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=never)
    assert len(later.read("Media", account=account, limit=3)) == 3
    fresh = connection.call("RefreshOAuthAccessToken",
                            OAuthAccessToken=result["OAuthAccessToken"].iloc[0])  # fmt: skip
    assert fresh["OAuthAccessToken"].iloc[0] != result["OAuthAccessToken"].iloc[0]


def test_the_verifier_may_be_the_bare_code(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connect(clean_sandbox, tmp_path)
    callback = "https://app.example/cb"
    url = connection.call("GetOAuthAuthorizationURL", CallbackURL=callback)["URL"].iloc[0]
    code = click_through(url, land=False).split("code=")[1].split("&")[0]
    token = connection.call("GetOAuthAccessToken", Verifier=code, CallbackURL=callback)
    assert token["OAuthAccessToken"].iloc[0].startswith("SBX")


def test_getandrefresh_refreshes_an_expiring_token(
    clean_sandbox: Sandbox, tmp_path: Path, account: str
) -> None:
    clean_sandbox.oauth_app.long_lifetime = 3 * 86400  # inside the 7-day refresh margin
    try:
        first = _connect(
            clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=click_through
        )
        first.read("Stories", account=account)
        before = json.loads((tmp_path / "token.json").read_text())
        clean_sandbox.oauth_app.long_lifetime = 60 * 86400
        second = _connect(clean_sandbox, tmp_path, InitiateOAuth="REFRESH", browser=never)
        second.read("Stories", account=account)
        after = json.loads((tmp_path / "token.json").read_text())
        assert after["access_token"] != before["access_token"]
        assert after["expires_at"] > before["expires_at"]
    finally:
        clean_sandbox.oauth_app.long_lifetime = 60 * 86400


def test_refresh_never_opens_a_browser_and_off_uses_the_token(
    clean_sandbox: Sandbox, tmp_path: Path, account: str
) -> None:
    refresh_only = _connect(clean_sandbox, tmp_path, InitiateOAuth="REFRESH", browser=never)
    with pytest.raises(instapd.NoCredentialsError, match="never opens a browser"):
        refresh_only.read("Stories", account=account)
    off = _connect(clean_sandbox, tmp_path, OAuthAccessToken=clean_sandbox.token, browser=never)
    assert len(off.read("Stories", account=account)) > 0
    assert not (tmp_path / "token.json").exists()


def test_a_dead_stored_token_means_a_new_login(
    clean_sandbox: Sandbox, tmp_path: Path, account: str
) -> None:
    opened: list[str] = []

    def browser(url: str) -> None:
        opened.append(url)
        click_through(url)

    first = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=browser)
    first.read("Stories", account=account)
    assert first.credentials is not None
    clean_sandbox.tokens.expire(first.credentials.access_token)  # revoked on Meta's side
    again = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=browser)
    again.read("Stories", account=account)
    assert len(opened) == 2


def test_a_cached_rerun_with_a_stored_token_costs_no_request(
    clean_sandbox: Sandbox, tmp_path: Path, account: str
) -> None:
    cached = {"Cache": True, "CacheLocation": str(tmp_path / "cache")}
    first = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH",
                     browser=click_through, **cached)  # fmt: skip
    read = first.read("Media", account=account)
    served = clean_sandbox.requests_served
    for mode in ("GETANDREFRESH", "REFRESH"):
        rerun = _connect(clean_sandbox, tmp_path, InitiateOAuth=mode, browser=never, **cached)
        again = rerun.read("Media", account=account)
        assert again.attrs["instapd"]["source"] == "cache"
        pd.testing.assert_frame_equal(read, again)
    assert clean_sandbox.requests_served == served, "the stored token is not asked about"


def test_refresh_with_a_dead_stored_token_names_the_fix(
    clean_sandbox: Sandbox, tmp_path: Path, account: str
) -> None:
    first = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=click_through)
    first.read("Stories", account=account)
    assert first.credentials is not None
    clean_sandbox.tokens.expire(first.credentials.access_token)
    later = _connect(clean_sandbox, tmp_path, InitiateOAuth="REFRESH", browser=never)
    with pytest.raises(instapd.AuthError, match="log in again"):
        later.read("Stories", account=account)


def test_denied_consent(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    denying = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH",
                       browser=lambda url: click_through(url, "deny"))  # fmt: skip
    with pytest.raises(instapd.AccessDeniedError, match="choose Allow"):
        denying.read("Permissions")
    assert not (tmp_path / "token.json").exists()
    web = _connect(clean_sandbox, tmp_path)
    url = web.call("GetOAuthAuthorizationURL", CallbackURL="https://a.example/")["URL"].iloc[0]
    landed = click_through(url, "deny", land=False)
    with pytest.raises(instapd.AccessDeniedError):
        web.call("GetOAuthAccessToken", Verifier=landed, CallbackURL="https://a.example/")


def test_a_wrong_state_is_refused(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connect(clean_sandbox, tmp_path)
    url = connection.call("GetOAuthAuthorizationURL", CallbackURL="https://a.example/")["URL"][0]
    landed = click_through(url, land=False).replace("state=", "state=forged")
    with pytest.raises(instapd.StateMismatchError, match="Start the login again"):
        connection.call("GetOAuthAccessToken", Verifier=landed, CallbackURL="https://a.example/")

    forged: list[int] = []

    def forger(url: str) -> None:  # another local process hits the listener first
        landed = click_through(url, land=False)
        forged.append(requests.get(landed.replace("state=", "state=x"), timeout=10).status_code)
        requests.get(landed, timeout=10)  # then the real browser arrives

    desktop = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=forger)
    assert len(desktop.read("Permissions")) > 0, "the forged hit did not end the login"
    assert forged == [400]


def test_a_forged_hit_alone_never_ends_the_desktop_login(
    clean_sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # no timeout to race: the forged hit is answered before the listener is asked, so what
    # the listener holds afterwards is settled; wait(0) says whether the login ended
    from instapd.auth.callback import CallbackListener

    listener = CallbackListener("http://localhost:0/cb", "the-real-state").start()
    try:
        forged = requests.get(f"{listener.redirect_uri}?code=1&state=guessed", timeout=30)
        assert forged.status_code == 400
        assert "ignored a login callback" in caplog.text
        with pytest.raises(instapd.LoginTimeoutError):  # still pending: not ended, not failed
            listener.wait(0)
    finally:
        listener.cancel()


def test_reused_expired_and_mismatched_codes(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connect(clean_sandbox, tmp_path)
    callback = "https://a.example/cb"

    def fresh_code() -> str:
        url = connection.call("GetOAuthAuthorizationURL", CallbackURL=callback)["URL"].iloc[0]
        return click_through(url, land=False).split("code=")[1].split("&")[0]

    code = fresh_code()
    connection.call("GetOAuthAccessToken", Verifier=code, CallbackURL=callback)
    with pytest.raises(instapd.CodeExchangeError, match="already used") as reused:
        connection.call("GetOAuthAccessToken", Verifier=code, CallbackURL=callback)
    assert reused.value.reason == "reused"
    with pytest.raises(instapd.CodeExchangeError, match="same CallbackURL") as mismatch:
        connection.call(
            "GetOAuthAccessToken", Verifier=fresh_code(), CallbackURL="https://b.example/"
        )
    assert mismatch.value.reason == "redirect_uri"
    clean_sandbox.oauth_app.code_lifetime = 0
    try:
        with pytest.raises(instapd.CodeExchangeError, match="expired") as expired:
            connection.call("GetOAuthAccessToken", Verifier=fresh_code(), CallbackURL=callback)
        assert expired.value.reason == "expired"
    finally:
        clean_sandbox.oauth_app.code_lifetime = 600


def test_the_desktop_flow_times_out(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    app = _connect(clean_sandbox, tmp_path).oauth_app()
    with pytest.raises(instapd.LoginTimeoutError, match="web mode"):
        desktop_login(app, "http://localhost:0/", open_browser=lambda url: None, timeout=0.3)


def test_the_callback_must_be_on_this_machine(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    app = _connect(clean_sandbox, tmp_path).oauth_app()
    with pytest.raises(instapd.UsageError, match="web mode"):
        desktop_login(app, "https://example.com/callback", open_browser=never)


def test_a_corrupt_token_file_is_no_token(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{not json")
    with pytest.warns(TokenStoreWarning, match="not a valid token file"):
        assert TokenStore(path).load() is None


def test_logout_removes_the_token(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connect(
        clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH", browser=click_through
    )
    connection.read("Permissions")
    assert instapd.logout(connection=connection) is True
    assert not (tmp_path / "token.json").exists()
    assert connection.credentials is None


def test_no_app_means_a_clear_error(tmp_path: Path) -> None:
    connection = instapd.connect(InitiateOAuth="GETANDREFRESH",
                                 OAuthSettingsLocation=str(tmp_path / "t.json"))  # fmt: skip
    with pytest.raises(instapd.NoCredentialsError, match="OAuthClientId"):
        connection.read("Permissions")


def test_tokens_stay_out_of_logs_reprs_and_errors(
    clean_sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    connection = _connect(clean_sandbox, tmp_path, InitiateOAuth="GETANDREFRESH",
                          browser=click_through)  # fmt: skip
    connection.read("Permissions")
    credentials = connection.credentials
    assert credentials is not None
    texts = [caplog.text, repr(connection), repr(credentials), repr(connection.config),
             repr(connection.oauth_app()), repr(connection.token_store())]  # fmt: skip
    with pytest.raises(instapd.CodeExchangeError) as info:
        connection.call(
            "GetOAuthAccessToken", Verifier="bogus-code", CallbackURL="https://x.example/"
        )
    texts.append(str(info.value))
    for text in texts:
        assert credentials.access_token not in text
        assert clean_sandbox.oauth_app.app_secret not in text


def test_terminal_web_login_against_the_sandbox(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSTAPD_SANDBOX", "1")
    connection = instapd.connect(OAuthSettingsLocation=str(tmp_path / "token.json"))

    def person(prompt: str) -> str:  # reads the URL instapd printed, logs in, pastes back
        url = next(w for w in capsys.readouterr().out.split() if w.startswith("http"))
        return click_through(url, land=False)

    credentials = instapd.login(connection=connection, web=True, prompt=person)
    assert credentials.user_name == "Sam Sandbox"
    assert "Logged in as Sam Sandbox" in capsys.readouterr().out
    assert (tmp_path / "token.json").exists()


def test_a_callback_on_another_loopback_address_binds_that_address(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from instapd.auth.callback import CallbackListener

    listener = CallbackListener("http://127.0.0.5:0/cb", "s" * 32).start()
    try:
        port = urlsplit(listener.redirect_uri).port
        assert listener.redirect_uri == f"http://127.0.0.5:{port}/cb"
        assert requests.get(f"http://127.0.0.5:{port}/other", timeout=10).status_code == 404
        with pytest.raises(requests.ConnectionError):  # 127.0.0.1 is not where it listens
            requests.get(f"http://127.0.0.1:{port}/cb", timeout=10)
    finally:
        listener.cancel()

    advertised: list[str] = []

    def browser(url: str) -> None:
        advertised.append(parse_qs(urlsplit(url).query)["redirect_uri"][0])
        click_through(url)

    app = _connect(clean_sandbox, tmp_path).oauth_app()
    credentials = desktop_login(app, "http://127.0.0.5:0/cb", open_browser=browser)
    assert credentials.user_name == "Sam Sandbox"
    assert urlsplit(advertised[0]).hostname == "127.0.0.5"
