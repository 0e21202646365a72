"""AuthScheme=InstagramLogin: the real client against a sandbox playing graph.instagram.com."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

import instapd
from instapd.auth.credentials import Credentials
from instapd.auth.store import TokenStore
from instapd.graph.errors import error_from_body
from instapd.graph.usage import Usage
from instapd.sandbox import Sandbox
from instapd.sandbox.instagram_login import IG_SCOPES

from ..browser_double import click_through

CALLBACK = "https://app.example/ig/callback"


def never(url: str) -> None:
    raise AssertionError(f"a browser was opened for {url}")


@pytest.fixture(scope="module")
def ig() -> Iterator[Sandbox]:
    with Sandbox(scheme="instagram") as server:
        yield server


def _connect(sandbox: Sandbox, tmp_path: Path, **props: Any) -> instapd.Connection:
    settings: dict[str, Any] = {
        "AuthScheme": "InstagramLogin",
        "graph_url": sandbox.url,
        "OAuthClientId": sandbox.oauth_app.app_id,
        "OAuthClientSecret": sandbox.oauth_app.app_secret,
        "OAuthAuthorizationURL": sandbox.dialog_url,
        "OAuthAccessTokenURL": sandbox.token_url,
        "OAuthSettingsLocation": str(tmp_path / "token.json"),
        "CallbackURL": CALLBACK,
        "Cache": False,
    }
    settings.update(props)
    return instapd.connect(**settings)


def _code(sandbox: Sandbox, state: str = "st") -> str:
    """A fresh code, as the address bar shows it: with Instagram's trailing ``#_``."""
    query = {
        "client_id": sandbox.oauth_app.app_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": ",".join(IG_SCOPES),
        "state": state,
        "decision": "allow",
    }
    answer = requests.post(f"{sandbox.url}/oauth/decide", data=query, allow_redirects=False)
    location = answer.headers["Location"]
    assert location.endswith("#_")
    return parse_qs(urlsplit(location).query)["code"][0] + "#_"


# -- the sandbox's host --------------------------------------------------------------------


def test_the_exchange_answers_in_both_shapes_and_in_instagrams_error_shape(ig: Sandbox) -> None:
    form = {
        "client_id": ig.oauth_app.app_id,
        "client_secret": ig.oauth_app.app_secret,
        "grant_type": "authorization_code",
        "redirect_uri": CALLBACK,
    }
    doc = requests.post(ig.token_url, data={**form, "code": _code(ig)[:-2]}).json()
    assert set(doc["data"][0]) == {"access_token", "user_id", "permissions"}
    with_suffix = requests.post(ig.token_url, data={**form, "code": _code(ig)})
    assert with_suffix.status_code == 400
    assert set(with_suffix.json()) == {"error_type", "code", "error_message"}
    as_json = requests.post(ig.token_url, json={**form, "code": _code(ig)[:-2]})
    assert as_json.status_code == 400  # form encoding only
    with Sandbox(scheme="instagram", flat_exchange=True) as flat:
        form["client_id"], form["client_secret"] = flat.oauth_app.app_id, flat.oauth_app.app_secret
        body = requests.post(flat.token_url, data={**form, "code": _code(flat)[:-2]}).json()
        assert "access_token" in body
        assert "data" not in body


def test_me_is_the_account_and_facebook_only_routes_are_absent(ig: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {ig.token}"}
    me = requests.get(f"{ig.url}/v25.0/me?fields=user_id,username", headers=headers).json()
    assert me["id"] == me["user_id"] == ig.account_ids[0]
    for path in ("me/accounts", "ig_hashtag_search?q=coffee", ig.account_ids[1], "debug_token",
                 "me?fields=business_discovery.username(other){id}", "me/permissions",
                 f"?ids={ig.account_ids[0]},{ig.account_ids[1]}"):  # fmt: skip
        answer = requests.get(f"{ig.url}/v25.0/{path}", headers=headers)
        assert answer.status_code == 400, path
    with Sandbox() as facebook:  # tokens of one login are not accepted by the other's host
        answer = requests.get(f"{facebook.url}/v25.0/me", headers=headers)
        assert answer.json()["error"]["code"] == 190


def test_instagrams_error_shape_maps_to_the_same_typed_errors() -> None:
    body = {"error_type": "OAuthException", "code": 190, "error_message": "Invalid token"}
    assert isinstance(error_from_body(400, body, Usage()), instapd.AuthError)
    other = {"error_type": "OAuthException", "code": 400, "error_message": "Matching code..."}
    error = error_from_body(400, other, Usage())
    assert isinstance(error, instapd.InvalidParameterError)
    assert error.code == 400


# -- logging in ---------------------------------------------------------------------------


@pytest.mark.parametrize("flat", [False, True])
def test_the_procedures_exchange_then_swap_for_the_60_day_token(tmp_path: Path, flat: bool) -> None:
    with Sandbox(scheme="instagram", flat_exchange=flat) as ig:
        connection = _connect(ig, tmp_path)
        url = connection.call("GetOAuthAuthorizationURL", State="s-1")["URL"].iloc[0]
        query = parse_qs(urlsplit(url).query)
        assert url.startswith(ig.dialog_url + "?")
        assert query["response_type"] == ["code"]
        assert query["state"] == ["s-1"]
        assert "instagram_business_manage_comments" in query["scope"][0]
        landed = click_through(url, land=False)
        code = parse_qs(urlsplit(landed).query)["code"][0] + "#_"
        result = connection.call("GetOAuthAccessToken", Verifier=code, State="s-1")
        assert result["ExpiresIn"].iloc[0] > 59 * 86400  # the long-lived token
        stored = json.loads((tmp_path / "token.json").read_text())
        assert stored["scheme"] == "InstagramLogin"
        assert stored["access_token"] == result["OAuthAccessToken"].iloc[0]
        assert connection.credentials is not None
        assert connection.credentials.user_name == "brewlab.coffee"
        assert connection.read("Media", limit=3)["business_account_id"].nunique() == 1


def test_refresh_waits_24_hours(ig: Sandbox, tmp_path: Path) -> None:
    connection = _connect(ig, tmp_path)
    url = connection.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
    connection.call("GetOAuthAccessToken", Verifier=click_through(url, land=False))
    token = connection.credentials.access_token if connection.credentials else ""
    served = ig.requests_served
    with pytest.raises(instapd.RefreshTooEarlyError, match=r"at or after .* UTC") as caught:
        connection.call("RefreshOAuthAccessToken", OAuthAccessToken=token)
    assert caught.value.not_before > datetime.now(UTC) + timedelta(hours=23)
    assert ig.requests_served == served  # refused before any request
    with pytest.raises(instapd.LoginError, match="24 hours old"):  # a token of unknown age
        _connect(ig, tmp_path / "other").call("RefreshOAuthAccessToken", OAuthAccessToken=token)
    assert ig.instagram is not None
    ig.instagram.age(token, 25 * 3600)
    stored = TokenStore(tmp_path / "token.json")
    old = stored.load()
    assert old is not None
    stored.save(Credentials(token, old.expires_at, old.scopes, old.user_id, old.user_name,
                            "InstagramLogin", datetime.now(UTC) - timedelta(hours=25)))  # fmt: skip
    fresh = _connect(ig, tmp_path).call("RefreshOAuthAccessToken", OAuthAccessToken=token)
    assert fresh["OAuthAccessToken"].iloc[0] != token
    assert fresh["ExpiresIn"].iloc[0] > 59 * 86400


def test_desktop_login_then_getandrefresh_refreshes_before_expiry(
    ig: Sandbox, tmp_path: Path
) -> None:
    first = _connect(ig, tmp_path, InitiateOAuth="GETANDREFRESH", browser=click_through,
                     CallbackURL="http://localhost:0/")  # fmt: skip
    assert len(first.read("Stories")) > 0
    assert ig.instagram is not None
    expiring = ig.instagram.issue(IG_SCOPES, 3 * 86400)
    ig.instagram.age(expiring, 57 * 86400)
    TokenStore(tmp_path / "token.json").save(
        Credentials(expiring, datetime.now(UTC) + timedelta(days=3), IG_SCOPES, ig.account_ids[0],
                    "brewlab.coffee", "InstagramLogin", datetime.now(UTC) - timedelta(days=57))
    )  # fmt: skip
    second = _connect(ig, tmp_path, InitiateOAuth="REFRESH", browser=never)
    assert len(second.read("Stories")) > 0
    after = json.loads((tmp_path / "token.json").read_text())
    assert after["access_token"] != expiring
    assert datetime.fromisoformat(after["expires_at"]) > datetime.now(UTC) + timedelta(days=59)


def test_a_token_of_the_other_scheme_is_a_typed_error(
    ig: Sandbox, sandbox: Sandbox, tmp_path: Path
) -> None:
    TokenStore(tmp_path / "token.json").save(
        Credentials(sandbox.token, datetime.now(UTC) + timedelta(days=30), scheme="FacebookLogin")
    )
    connection = _connect(ig, tmp_path, InitiateOAuth="REFRESH", browser=never)
    with pytest.raises(instapd.AuthSchemeError, match="AuthScheme=InstagramLogin"):
        connection.read("Media", limit=1)


# -- reading ------------------------------------------------------------------------------


@pytest.fixture
def reader(ig: Sandbox) -> Iterator[instapd.Connection]:
    with instapd.connect(AuthScheme="InstagramLogin", graph_url=ig.url, access_token=ig.token,
                         cache=False) as connection:  # fmt: skip
        yield connection


@pytest.mark.parametrize(
    ("table", "options"),
    [
        ("Media", {"limit": 5}),
        ("IGMedia", {"limit": 2}),
        ("MediaChildren", {"limit": 2}),
        ("Stories", {}),
        ("Comments", {"limit": 5}),
        ("Replies", {"limit": 2}),
        ("InstagramBusinessProfile", {}),
        ("AccountInsights", {"since": "2026-11-01", "until": "2026-11-10"}),
        ("MediaInsights", {"limit": 2}),
        ("ContentPublishingLimit", {}),
        ("Tags", {"limit": 2}),
    ],
)
def test_the_tables_instagram_login_serves(
    reader: instapd.Connection, ig: Sandbox, table: str, options: dict[str, Any]
) -> None:
    frame = reader.read(table, **options)
    assert len(frame) > 0
    if "business_account_id" in frame:
        assert set(frame["business_account_id"]) == {ig.account_ids[0]}


@pytest.mark.parametrize(
    ("table", "options"),
    [
        ("Pages", {}),
        ("InstagramPages", {}),
        ("Permissions", {}),
        ("HashtagSearch", {"hashtag": "coffee"}),
        ("HashtagTopMedia", {"hashtag": "coffee"}),
        ("BusinessDiscovery", {"username": "someone"}),
        ("RecentlySearchedHashtags", {}),
    ],
)
def test_facebook_login_only_tables_are_refused_before_any_request(
    ig: Sandbox, table: str, options: dict[str, Any]
) -> None:
    connection = instapd.connect(AuthScheme="InstagramLogin", graph_url=ig.url,
                                 access_token=ig.token)  # fmt: skip
    served = ig.requests_served
    with pytest.raises(instapd.AuthSchemeError, match="AuthScheme=FacebookLogin"):
        connection.read(table, **options)
    assert ig.requests_served == served


def test_tables_say_which_schemes_each_works_with() -> None:
    schemes = instapd.tables().set_index("name")["schemes"]
    assert schemes["Media"] == "FacebookLogin, InstagramLogin"
    assert schemes["BusinessDiscovery"] == "FacebookLogin"
    assert instapd.describe("Pages").attrs["instapd"]["schemes"] == ["FacebookLogin"]


def test_comment_moderation_works_under_instagram_login(
    reader: instapd.Connection, ig: Sandbox
) -> None:
    comments = reader.read("Comments", limit=3)
    target = comments["id"].iloc[0]
    result = instapd.insert("Replies", {"comment_id": target, "text": "Thanks!"},
                            connection=reader)  # fmt: skip
    assert list(result["status"]) == ["ok"]


def test_write_scope_checks_use_instagram_logins_names(ig: Sandbox, tmp_path: Path) -> None:
    connection = _connect(ig, tmp_path, Scope="instagram_business_basic")
    url = connection.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
    connection.call("GetOAuthAccessToken", Verifier=click_through(url, land=False))
    target = _connect(ig, tmp_path / "full", access_token=ig.token).read("Comments", limit=1)
    ig.app.reset_counters()
    reply = {"comment_id": target["id"].iloc[0], "text": "Thanks!"}
    result = instapd.insert("Replies", reply, connection=connection)
    assert list(result["status"]) == ["error"]
    assert "instagram_business_manage_comments" in result["error"].iloc[0]
    media = instapd.delete("IGMedia", [target["media_id"].iloc[0]], connection=connection)
    assert "AuthScheme=FacebookLogin" in media["error"].iloc[0]
    assert not [line for line in ig.app.log if not line.startswith("GET")]  # nothing was sent


def test_mentions_are_read_through_the_account(reader: instapd.Connection, ig: Sandbox) -> None:
    data = ig.dataset
    username = data[ig.account_ids[0]].values["username"]
    mentioned = next(
        m for a in data.public_ids for m in data[a].edges["media"]
        if f"@{username}" in str(data[m].values.get("caption", ""))
    )  # fmt: skip
    assert reader.read("MentionedMedia", media_id=mentioned)["id"].tolist() == [mentioned]


def test_the_embedded_sandbox_plays_instagram_login() -> None:
    with instapd.connect(Sandbox=True, AuthScheme="InstagramLogin", Cache=False) as connection:
        frame = connection.read("Media", limit=2)
        assert connection.accounts()[0].page_id == ""  # no Page behind the account
        assert frame["username"].unique().tolist() == [connection.accounts()[0].username]
        assert connection.oauth_app().dialog_url.endswith("/oauth/authorize")


def test_the_sandbox_command_plays_instagram_login() -> None:
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "instapd", "sandbox", "--instagram"], stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(5)]
        settings = dict(line.split("export ", 1)[1].split()[0].split("=", 1) for line in lines[2:])
        assert settings["INSTAPD_AUTH_SCHEME"] == "InstagramLogin"
        connection = instapd.connect(
            AuthScheme="InstagramLogin",
            graph_url=settings["INSTAPD_GRAPH_URL"],
            access_token=settings["INSTAPD_ACCESS_TOKEN"],
        )
        assert len(connection.read("Stories")) > 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_denied_instagram_consent_is_access_denied(ig: Sandbox, tmp_path: Path) -> None:
    connection = _connect(ig, tmp_path)
    url = connection.call("GetOAuthAuthorizationURL", State="s-2")["URL"].iloc[0]
    landed = click_through(url, "deny", land=False)
    with pytest.raises(instapd.AccessDeniedError, match="user_denied"):
        connection.call("GetOAuthAccessToken", Verifier=landed, State="s-2")


def test_a_used_code_is_a_code_exchange_error(ig: Sandbox, tmp_path: Path) -> None:
    connection = _connect(ig, tmp_path)
    url = connection.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
    code = parse_qs(urlsplit(click_through(url, land=False)).query)["code"][0]
    connection.call("GetOAuthAccessToken", Verifier=code)
    with pytest.raises(instapd.CodeExchangeError, match="work once") as caught:
        connection.call("GetOAuthAccessToken", Verifier=code)
    assert caught.value.reason == "refused"
    assert code not in str(caught.value)


def test_a_missing_scope_is_named_as_instagram_login_names_it(ig: Sandbox, tmp_path: Path) -> None:
    connection = _connect(ig, tmp_path, Scope="instagram_business_basic")
    url = connection.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
    connection.call("GetOAuthAccessToken", Verifier=click_through(url, land=False))
    assert len(connection.read("Media", limit=2)) == 2
    with pytest.raises(instapd.PermissionDeniedError) as caught:
        connection.read("AccountInsights", since="2026-11-01", until="2026-11-05")
    assert "instagram_business_manage_insights" in caught.value.scopes
    assert not any(s.startswith("pages_") for s in caught.value.scopes)
