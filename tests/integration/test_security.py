"""Safe on a shared notebook server: a private cache bound to its user, checked ids, HTTPS,
permission errors, appsecret_proof, login hardening, capped answers, and clean DEBUG logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

import instapd
from instapd.cli import main
from instapd.graph import GraphClient
from instapd.sandbox import Sandbox
from instapd.sandbox.schema import ALL_SCOPES

from ..browser_double import click_through


def _connect(sandbox: Sandbox, token: str | None = None, **props: Any) -> instapd.Connection:
    return instapd.connect(graph_url=sandbox.url, access_token=token or sandbox.token, **props)


def _me_requests(sandbox: Sandbox) -> int:
    return sum(1 for line in sandbox.app.log if line.split("?")[0].endswith("/me"))


# -- 1. a cache bound to identity -------------------------------------------------------------


def test_another_users_token_never_gets_cached_rows(clean_sandbox: Sandbox, account: str) -> None:
    owner = _connect(clean_sandbox)
    first = owner.read("Media", account=account)
    assert _me_requests(clean_sandbox) == 1, "a new token is checked once with /me"
    served = clean_sandbox.requests_served
    again = _connect(clean_sandbox).read("Media", account=account)  # same token, new connection
    assert clean_sandbox.requests_served == served, "the same token: zero requests"
    assert again.attrs["instapd"]["source"] == "cache"
    pd.testing.assert_frame_equal(first, again)

    stranger = clean_sandbox.issue_token(user_id="990000000000077")
    clean_sandbox.app.reset_counters()
    # the API refuses another user's account (as Meta does): that the refusal comes at all
    # proves the read went to the API; a cache hit would have answered with the owner's rows
    with pytest.raises(instapd.NotYoursError):
        _connect(clean_sandbox, stranger).read("Media", account=account)
    assert _me_requests(clean_sandbox) == 1, "the stranger's token was checked"
    assert clean_sandbox.requests_served >= 2, "and the read went to the API"


def test_a_planted_entry_for_another_user_is_not_served(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    """Even a file at the right path is served only when its metadata names the same user."""
    connection = _connect(clean_sandbox)
    frame = connection.read("Stories", account=account)
    path = Path(frame.attrs["instapd"]["cache"]["path"])
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"instapd"])
    meta["query"]["user"] = "12345"
    metadata = {**table.schema.metadata, b"instapd": json.dumps(meta).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)
    served = clean_sandbox.requests_served
    reread = _connect(clean_sandbox).read("Stories", account=account)
    assert reread.attrs["instapd"]["source"] == "api"
    assert clean_sandbox.requests_served > served


@pytest.fixture
def open_umask() -> Iterator[None]:
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def test_cache_and_config_are_private_whatever_the_umask(
    clean_sandbox: Sandbox, account: str, tmp_path: Path, open_umask: None
) -> None:
    connection = _connect(clean_sandbox, CacheLocation=str(tmp_path / "deep" / "cache"))
    connection.read("Media", account=account, limit=3)
    connection.read("Pages")
    connection.read("InstagramBusinessProfile", account="all")
    checked = 0
    for root in (tmp_path / "deep" / "cache", Path(os.environ["INSTAPD_CONFIG_DIR"])):
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
            checked += 1
    assert checked >= 10
    assert (tmp_path / "deep").stat().st_mode & 0o077 == 0


# -- 2. ids steer no paths ----------------------------------------------------------------------


def test_an_id_with_path_segments_writes_nothing_outside(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    escape = f"{account}/media?x=/../../../escaped"
    with pytest.raises(instapd.UsageError, match="BusinessAccountId must be a Graph id"):
        _connect(clean_sandbox, BusinessAccountId=escape)
    with pytest.raises(instapd.AccountError):
        _connect(clean_sandbox).read("Media", account=escape)
    with pytest.raises(instapd.UsageError, match="OAuthClientId"):
        instapd.connect(OAuthClientId="../../elsewhere")
    assert clean_sandbox.requests_served <= 2  # at most /me and me/accounts, never media
    assert not list(tmp_path.rglob("escaped*"))


def test_a_link_out_of_the_cache_is_refused(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    cache, outside = tmp_path / "cache", tmp_path / "outside"
    outside.mkdir()
    cache.mkdir(mode=0o700)
    (cache / account).symlink_to(outside, target_is_directory=True)
    with pytest.raises(instapd.UsageError, match="outside the cache folder"):
        _connect(clean_sandbox, CacheLocation=str(cache)).read("Stories", account=account)
    assert not list(outside.rglob("*"))


def test_ids_read_back_from_the_cache_are_checked(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _connect(clean_sandbox)
    connection.read("InstagramBusinessProfile", account="all")
    memo = next((Path(os.environ["INSTAPD_CACHE_DIR"]) / "_user").glob("accounts-*.json"))
    stamped = json.loads(memo.read_text())
    stamped["accounts"][0]["id"] = "1/../../x"
    memo.write_text(json.dumps(stamped))
    fresh = _connect(clean_sandbox)
    served = clean_sandbox.requests_served
    ids = fresh.read("InstagramBusinessProfile", account="all")["id"].tolist()
    assert ids == clean_sandbox.account_ids, "the tampered memo was ignored"
    assert clean_sandbox.requests_served > served


# -- 3. HTTPS for secrets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "value"),
    [("GraphURL", "http://graph.example.com"), ("CallbackURL", "http://hub.example.org/cb"),
     ("OAuthAuthorizationURL", "http://www.example.com/dialog")],
)  # fmt: skip
def test_plain_http_to_another_host_is_refused(prop: str, value: str) -> None:
    with pytest.raises(instapd.UsageError, match=f"{prop} .* plain HTTP.*https://"):
        instapd.connect(**{prop: value})


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "http://127.0.0.2"]
)
def test_loopback_http_is_allowed(url: str) -> None:
    assert instapd.connect(GraphURL=url).config.graph_url == url


def test_a_malformed_graph_url_fails_at_once_without_retries() -> None:
    with pytest.raises(instapd.UsageError, match="GraphURL"):
        instapd.connect(GraphURL="htps//graph.facebook.com")
    with pytest.raises(instapd.UsageError, match="GraphURL"):
        GraphClient(base_url="graph.facebook.com", version="v25.0", access_token="t")


# -- 4. permission errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table", ["AccountInsights", "AudienceInsights", "OnlineFollowers", "MediaInsights"]
)
@pytest.mark.parametrize("on_error", [None, "report", "raise"])
def test_a_missing_scope_raises_whatever_on_error_says(
    clean_sandbox: Sandbox, account: str, table: str, on_error: str | None
) -> None:
    token = clean_sandbox.issue_token(
        scopes=tuple(s for s in ALL_SCOPES if s != "instagram_manage_insights")
    )
    options = {"on_error": on_error} if on_error else {}
    with pytest.raises(instapd.PermissionDeniedError, match="grant instagram_manage_insights") as e:
        _connect(clean_sandbox, token, Cache=False).read(table, account=account, **options)
    assert e.value.scopes == ("instagram_manage_insights",)


def test_per_object_refusals_still_follow_on_error(
    connection: instapd.Connection, account: str
) -> None:
    with pytest.warns(UserWarning, match="Not enough viewers"):
        frame = connection.read("StoryInsights", account=account)
    assert frame["reach"].isna().sum() == 1


# -- 5. appsecret_proof ----------------------------------------------------------------------------


def test_apps_requiring_appsecret_proof_can_log_in_read_and_refresh(tmp_path: Path) -> None:
    with Sandbox(require_appsecret_proof=True) as sandbox:
        connection = instapd.connect(
            graph_url=sandbox.url,
            OAuthClientId=sandbox.oauth_app.app_id,
            OAuthClientSecret=sandbox.oauth_app.app_secret,
            OAuthAuthorizationURL=sandbox.dialog_url,
            OAuthSettingsLocation=str(tmp_path / "token.json"),
            CallbackURL="http://localhost:0/",
            InitiateOAuth="GETANDREFRESH",
            browser=click_through,
        )
        assert len(connection.read("Stories", account=sandbox.account_ids[0])) > 0
        assert connection.credentials is not None
        refreshed = connection.call("RefreshOAuthAccessToken")
        assert refreshed["OAuthAccessToken"].iloc[0] != connection.credentials.access_token
        bare = instapd.connect(graph_url=sandbox.url, access_token=sandbox.token)
        with pytest.raises(instapd.InvalidParameterError, match="appsecret_proof"):
            bare.read("Pages")


# -- 6. login hardening ----------------------------------------------------------------------------


def _web(sandbox: Sandbox, tmp_path: Path, callback: str) -> instapd.Connection:
    return instapd.connect(
        graph_url=sandbox.url,
        OAuthClientId=sandbox.oauth_app.app_id,
        OAuthClientSecret=sandbox.oauth_app.app_secret,
        OAuthAuthorizationURL=sandbox.dialog_url,
        OAuthSettingsLocation=str(tmp_path / "token.json"),
        CallbackURL=callback,
    )


@pytest.mark.parametrize(
    "landed_on",
    ["http://hub.example.org/cb", "https://evil.example.org/cb", "https://hub.example.org:8443/cb",
     "https://hub.example.org/other"],
)  # fmt: skip
def test_the_web_paste_must_be_the_callback_page(
    clean_sandbox: Sandbox, tmp_path: Path, landed_on: str
) -> None:
    callback = "https://hub.example.org/cb"
    connection = _web(clean_sandbox, tmp_path, callback)
    url = connection.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
    landed = click_through(url, land=False)
    query = landed.split("?", 1)[1]
    with pytest.raises(instapd.CallbackMismatchError, match="paste the address of the tab"):
        connection.call("GetOAuthAccessToken", Verifier=f"{landed_on}?{query}")
    assert connection.call("GetOAuthAccessToken", Verifier=landed)["ExpiresIn"].iloc[0] > 0


def test_pending_states_expire_after_ten_minutes(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    connection = _web(clean_sandbox, tmp_path, "https://hub.example.org/cb")
    url = connection.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
    landed = click_through(url, land=False)
    for state in connection.pending_states:
        connection.pending_states[state] -= 601  # started eleven minutes ago
    with pytest.raises(instapd.StateMismatchError):
        connection.call("GetOAuthAccessToken", Verifier=landed)
    assert connection.pending_states == {}


def test_an_oversized_answer_is_a_typed_error(clean_sandbox: Sandbox, account: str) -> None:
    client = GraphClient(
        base_url=clean_sandbox.url,
        version="v25.0",
        access_token=clean_sandbox.token,
        max_body=2_000,
    )
    assert client.get(account, {"fields": "id"})["id"] == account
    with pytest.raises(instapd.ResponseTooLargeError, match=r"2,000 bytes.*Pagesize"):
        client.get(f"{account}/media", {"limit": 100})
    assert clean_sandbox.requests_served == 2, "not retried"


@pytest.mark.parametrize("max_body", [50, 64_000_000])
def test_the_code_exchange_answer_is_capped_too(
    clean_sandbox: Sandbox, tmp_path: Path, max_body: int
) -> None:
    import dataclasses

    from instapd.auth import flows

    callback = "https://hub.example.org/cb"
    app = dataclasses.replace(
        _web(clean_sandbox, tmp_path, callback).oauth_app(), max_body=max_body
    )
    url, state = flows.authorization_url(app, callback, state=flows.new_state())
    code = flows.parse_callback(click_through(url, land=False), state)
    if max_body == 50:  # the token answer is longer than 50 bytes
        with pytest.raises(instapd.ResponseTooLargeError, match="50 bytes"):
            flows.exchange_code(app, code, callback)
    else:
        assert flows.exchange_code(app, code, callback).access_token


# -- 8. no secret in a DEBUG log of a whole session ----------------------------------------------


def test_a_debug_log_of_a_full_session_holds_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    landed: list[str] = []

    def browser(url: str) -> None:
        landed.append(click_through(url, land=False))
        requests.get(landed[-1], timeout=10)

    with Sandbox(require_appsecret_proof=True) as sandbox:
        app_id, secret = sandbox.oauth_app.app_id, sandbox.oauth_app.app_secret
        settings = {
            "graph_url": sandbox.url,
            "OAuthClientId": app_id,
            "OAuthClientSecret": secret,
            "OAuthAuthorizationURL": sandbox.dialog_url,
            "OAuthSettingsLocation": str(tmp_path / "token.json"),
            "CallbackURL": "http://localhost:0/",
        }
        account = sandbox.account_ids[0]
        desktop = instapd.connect(InitiateOAuth="GETANDREFRESH", browser=browser, **settings)
        desktop.read("Media", account=account, limit=5)  # login, /me, read, cache write
        desktop.read("Media", account=account, limit=5)  # cache hit
        with pytest.warns(UserWarning, match="refused"):
            desktop.read("MediaInsights", account=account, limit=3)  # batches
        assert desktop.credentials is not None
        tokens = [desktop.credentials.access_token]
        fresh = desktop.call("RefreshOAuthAccessToken")["OAuthAccessToken"].iloc[0]
        tokens.append(fresh)
        web = instapd.connect(**settings)
        url = web.call("GetOAuthAuthorizationURL")["URL"].iloc[0]
        landed.append(click_through(url, land=False))
        web_token = web.call("GetOAuthAccessToken", Verifier=landed[-1])
        tokens.append(web_token["OAuthAccessToken"].iloc[0])
        web.read("Pages")
        expiring = instapd.connect(InitiateOAuth="REFRESH", **settings)
        expiring.read("Stories", account=account)
        assert main(["cache", "ls"]) == 0
        assert main(["logout"]) == 0
        codes = [u.split("code=")[1].split("&")[0] for u in landed]
        secrets = [secret, *tokens, *codes]
        secrets += [hmac.new(secret.encode(), t.encode(), hashlib.sha256).hexdigest()
                    for t in tokens]  # fmt: skip
        cache_bytes = b"".join(
            p.read_bytes() for p in Path(os.environ["INSTAPD_CACHE_DIR"]).rglob("*") if p.is_file()
        )
    outputs = capsys.readouterr()
    text = caplog.text + outputs.out + outputs.err + repr(desktop) + repr(desktop.config)
    assert "GET /v25.0/me/accounts" in caplog.text, "DEBUG records were captured"
    assert "appsecret_proof=***" in caplog.text, "urllib3 logged URLs, masked"
    assert len(codes) == 2
    for value in secrets:
        assert value not in text
        assert value.encode() not in cache_bytes


def test_an_id_from_an_answer_steers_no_request(clean_sandbox: Sandbox) -> None:
    client = GraphClient(base_url=clean_sandbox.url, version="v25.0", access_token="t")
    for path in ("1/../../oauth/access_token", "1/media?x=1", "١٢٣/media"):
        with pytest.raises(instapd.InvalidParameterError, match="ids and edge names only"):
            client.get(path)
        with pytest.raises(instapd.InvalidParameterError, match="ids and edge names only"):
            client.batch([(path, {})])
    assert clean_sandbox.requests_served == 0


def _ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_a_callback_on_ipv6_loopback_builds_a_valid_redirect() -> None:
    from instapd.auth.callback import CallbackListener

    listener = CallbackListener("http://[::1]:0/cb", "the-state").start()
    try:
        assert re.fullmatch(r"http://\[::1\]:\d+/cb", listener.redirect_uri)
        forged = requests.get(listener.redirect_uri + "?state=x&code=1", timeout=10)
        assert forged.status_code == 400
        requests.get(listener.redirect_uri + "?state=the-state&code=c0de", timeout=10)
        assert listener.wait(10) == "c0de"
    finally:
        listener.stop()


def test_a_new_token_on_the_same_connection_is_a_new_identity(
    clean_sandbox: Sandbox, account: str
) -> None:
    from instapd.auth.credentials import Credentials

    connection = _connect(clean_sandbox)
    owner = connection.identity()
    connection.read("Media", account=account)  # cached, bound to the owner
    stranger = clean_sandbox.issue_token(user_id="990000000000078")
    connection.use_credentials(Credentials(stranger))
    assert connection.identity() == "990000000000078" != owner
    with pytest.raises(instapd.NotYoursError):  # the API, not the owner's cached rows
        connection.read("Media", account=account)
