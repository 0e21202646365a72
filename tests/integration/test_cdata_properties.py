"""CData's remaining connection properties against the sandbox: UserDefinedViews, PseudoColumns,
Other, AuthenticateAsPage, the request log, the proxy (a real loopback forward proxy) and
SSLServerCert (a loopback TLS server with a self-signed certificate)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes

import instapd
from instapd.errors import (
    AccountError,
    GraphError,
    ProxyAuthError,
    ServerCertificateError,
    UsageError,
)
from instapd.graph.send import appsecret_proof
from instapd.sandbox import Sandbox
from tests.browser_double import click_through
from tests.proxy_double import Relay, certificate, thumbprint, tls_front
from tests.support import FAST_RETRY, fast_throttle


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(seed=3) as server:
        yield server


def _connect(box: Sandbox, **props: Any) -> instapd.Connection:
    settings: dict[str, Any] = {
        "graph_url": box.url,
        "access_token": box.token,
        "business_account_id": box.account_ids[0],
        "cache": False,
    }
    settings.update(props)
    return instapd.connect(retry=FAST_RETRY, throttle=fast_throttle(), **settings)


# -- UserDefinedViews, PseudoColumns, Other -----------------------------------------------------


@pytest.fixture
def views(tmp_path: Path) -> Path:
    path = tmp_path / "views.json"
    path.write_text(
        json.dumps(
            {
                "Reels": {"query": "SELECT id, caption FROM Media WHERE media_type = 'VIDEO'"},
                "ReelCount": {"query": "SELECT count(*) AS n FROM Reels"},
            }
        )
    )
    return path


def test_user_defined_views_read_like_tables(box: Sandbox, views: Path) -> None:
    conn = _connect(box, UserDefinedViews=str(views))
    media = conn.read("Media")
    reels = instapd.read_instagram("Reels", connection=conn)
    expected = sorted(media.loc[media["media_type"] == "VIDEO", "id"])
    assert sorted(reels["id"]) == expected
    assert list(conn.read("reels", columns=["id"], limit=2).columns) == ["id"]
    count = instapd.sql("SELECT n FROM [ReelCount]", connection=conn)  # a view over a view
    assert int(count.loc[0, "n"]) == len(expected)
    listed = instapd.tables(conn).set_index("name")
    assert listed.loc["Reels", "kind"] == "user view"
    system = instapd.sql(
        "SELECT TableName FROM sys_tables WHERE TableType = 'VIEW'", connection=conn
    )
    assert "ReelCount" in set(system["TableName"])


def test_bad_user_defined_views_are_refused_by_name(box: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"Media": {"query": "SELECT 1"}}))
    with pytest.raises(UsageError, match="takes the name of a table"):
        _connect(box, UserDefinedViews=str(path)).read("Media")
    path.write_text(json.dumps({"Empty": {}}))
    with pytest.raises(UsageError, match='needs a "query"'):
        instapd.sql("SELECT 1", connection=_connect(box, UserDefinedViews=str(path)))
    with pytest.raises(UsageError, match="does not exist"):
        _connect(box, UserDefinedViews=str(tmp_path / "none.json")).read("Media")


def test_pseudo_columns_list_the_filters(box: Sandbox) -> None:
    conn = _connect(box, PseudoColumns="Comments=media_id,AccountInsights=*")
    rows = instapd.sql(
        "SELECT TableName, ColumnName FROM sys_tablecolumns WHERE ColumnType = 'PSEUDO'",
        connection=conn,
    )
    pairs = set(zip(rows["TableName"], rows["ColumnName"], strict=True))
    assert ("AccountInsights", "metrics") in pairs
    assert not any(t == "Replies" for t, _ in pairs)
    plain = instapd.sql(
        "SELECT count(*) AS n FROM sys_tablecolumns WHERE ColumnType = 'PSEUDO'",
        connection=_connect(box),
    )
    assert int(plain.loc[0, "n"]) == 0
    with pytest.raises(UsageError, match="its pseudo columns: "):
        _connect(box, PseudoColumns="Comments=period")


def test_other_carries_known_properties_only(box: Sandbox) -> None:
    conn = instapd.connect(f"Other='Verbosity=3;Pagesize=7';OAuthAccessToken={box.token}")
    assert conn.config.verbosity == 3
    assert conn.config.page_size == 7
    with pytest.raises(UsageError, match="Unknown connection property 'Frobnicate'"):
        instapd.connect("Other='Frobnicate=1'")


@pytest.mark.parametrize(
    ("props", "names"),
    [
        ({"Verbosity": 6}, "between 1 and 5"),
        ({"ProxyAuthScheme": "PROPRIETARY"}, "BASIC, DIGEST, NTLM, NEGOTIATE, NONE"),
        ({"Timeout": True}, "Timeout must be a whole number"),
        ({"Logfile": "/proc/no-such-process/instapd.log"}, "cannot be written"),
        ({"Timeout": 1.5}, "Timeout must be a whole number"),
        ({"Version": 5}, "v25.0"),
        ({"Version": True}, "write it like 'v25.0' \\(one of v"),
        ({"MaxLogFileSize": "tiny"}, "100MB"),
        ({"ProxyPort": 0}, "between 1 and 65535"),
        ({"PseudoColumns": "Nope=x"}, "use \\* or one of"),
    ],
)
def test_unknown_values_name_the_valid_ones(props: dict[str, Any], names: str) -> None:
    with pytest.raises(UsageError, match=names):
        instapd.connect(access_token="x", **props)


# -- AuthenticateAsPage -----------------------------------------------------------------------


def test_authenticate_as_page_uses_the_pages_token(box: Sandbox) -> None:
    user_token = box.issue_token()
    page = box.dataset[box.dataset.page_ids[1]]
    conn = _connect(box, access_token=user_token, business_account_id=None,
                    AuthenticateAsPage=page.values["name"])  # fmt: skip
    linked = conn.accounts()
    assert [a.page_id for a in linked] == [page.id]
    first = conn.read("Media", limit=2)
    box.tokens.expire(user_token)  # from here only the Page's token works
    again = conn.read("Media", limit=2)
    assert again["id"].tolist() == first["id"].tolist()
    assert (again["business_account_id"] == linked[0].id).all()
    with pytest.raises(GraphError):
        _connect(box, access_token=user_token).read("Media", limit=1)


def test_me_with_a_page_token_is_the_page_and_reaches_its_account_only(box: Sandbox) -> None:
    def get(path: str, token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.get(f"{box.url}/v25.0/{path}", headers=headers, timeout=10)

    pages = get("me/accounts", box.token).json()["data"]
    first, second = pages[0], pages[1]
    me = get("me?fields=id,name", first["access_token"]).json()
    assert (me["id"], me["name"]) == (first["id"], first["name"])  # the Page, as Meta answers
    assert get("me?fields=id", box.token).json()["id"] not in {p["id"] for p in pages}
    ours = box.dataset[first["id"]].values["instagram_business_account"].id
    theirs = box.dataset[second["id"]].values["instagram_business_account"].id
    assert get(f"{ours}/media", first["access_token"]).status_code == 200
    refused = get(f"{theirs}/media", first["access_token"])  # another Page's account
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, 100)


def test_authenticate_as_an_unknown_page_names_the_pages(box: Sandbox) -> None:
    with pytest.raises(AccountError, match="Atelier Nord"):
        _connect(box, AuthenticateAsPage="No Such Page").read("Media", limit=1)


# -- the request log --------------------------------------------------------------------------


@pytest.mark.parametrize("verbosity", [3, 5])
def test_the_log_has_requests_and_timings_never_a_secret(
    box: Sandbox, tmp_path: Path, verbosity: int
) -> None:
    log = tmp_path / "logs" / "instapd.log"
    secret = box.oauth_app.app_secret
    conn = _connect(
        box,
        LogFile=str(log),
        Verbosity=verbosity,
        OAuthClientId=box.oauth_app.app_id,
        OAuthClientSecret=secret,
        OAuthAuthorizationURL=box.dialog_url,
        OAuthSettingsLocation=str(tmp_path / "token.json"),
    )
    conn.read("Media", limit=3)
    url = conn.call("GetOAuthAuthorizationURL", CallbackURL="https://app.example/cb")["URL"][0]
    landed = click_through(url, land=False)
    token = conn.call(
        "GetOAuthAccessToken", Verifier=landed, CallbackURL="https://app.example/cb"
    ).loc[0, "OAuthAccessToken"]
    text = log.read_text()
    assert "GET /v25.0/" in text
    assert " ms" in text
    assert "oauth/access_token" in text  # the login's exchange is logged too
    assert "X-App-Usage".lower() in text.lower()  # Verbosity 3: usage headers
    if verbosity >= 4:  # the HTTP library's own lines, their URLs masked
        assert "HTTP/1.1" in text
    proof = appsecret_proof(secret, box.token)
    code = dict(p.split("=") for p in urlsplit(landed).query.split("&"))["code"]
    for value in (box.token, token, secret, proof, code):
        assert value
        assert value not in text


def test_the_log_rolls_over_at_its_size(box: Sandbox, tmp_path: Path) -> None:
    log = tmp_path / "small.log"
    conn = _connect(box, LogFile=str(log), Verbosity=2, MaxLogFileSize="100KB",
                    MaxLogFileCount=2, Pagesize=1)  # fmt: skip
    for _ in range(20):  # each read is one request per media, each logged with its query
        if (tmp_path / "small.log.2").exists() and log.stat().st_size > 0:
            break
        conn.read("Media", limit=120)
    files = sorted(f.name for f in tmp_path.glob("small.log*"))
    assert files == ["small.log", "small.log.1", "small.log.2"]  # two kept, no more
    assert all((tmp_path / f).stat().st_size <= 100 * 1024 for f in files)


# -- proxy and TLS: tests/proxy_double.py --------------------------------------------------

PASSWORD = "s3cr@t/x"  # the proxy double's; no colon: NTLM_USER_FILE splits on it


def _through(proxy: Relay, scheme: str, password: str = PASSWORD) -> dict[str, Any]:
    return {
        "ProxyServer": "127.0.0.1",
        "ProxyPort": proxy.port,
        "ProxyAuthScheme": scheme,
        "ProxyUser": "alice",
        "ProxyPassword": password,
    }


def _login(box: Sandbox, conn: instapd.Connection) -> None:
    url = conn.call("GetOAuthAuthorizationURL", CallbackURL="https://app.example/cb")["URL"]
    landed = click_through(url[0], land=False)  # the browser, not instapd
    conn.call("GetOAuthAccessToken", Verifier=landed, CallbackURL="https://app.example/cb")


def _login_props(box: Sandbox, tmp_path: Path) -> dict[str, Any]:
    return {
        "OAuthClientId": box.oauth_app.app_id,
        "OAuthClientSecret": box.oauth_app.app_secret,
        "OAuthAuthorizationURL": box.dialog_url,
        "OAuthSettingsLocation": str(tmp_path / "token.json"),
    }


@pytest.fixture
def front(box: Sandbox, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The sandbox behind TLS with a self-signed certificate: its https URL, and the PEM."""
    cert, key = certificate(tmp_path)
    with Relay(upstream=box.url, tls=tls_front(cert, key)) as server:
        yield f"https://127.0.0.1:{server.port}", cert


@pytest.fixture
def ntlm_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy's NTLM user store (pyspnego's acceptor reads NTLM_USER_FILE)."""
    users = tmp_path / "ntlm-users"
    users.write_text(f":alice:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))


def test_all_traffic_goes_through_the_proxy_logins_included(box: Sandbox, tmp_path: Path) -> None:
    credentials = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    with Relay(scheme="Basic") as proxy:
        conn = _connect(box, **_through(proxy, "BASIC"), **_login_props(box, tmp_path))
        assert len(conn.read("Media", limit=3)) == 3
        _login(box, conn)
    paths = [path for _, path, _ in proxy.seen]
    assert any("/media" in p for p in paths)
    assert any("oauth/access_token" in p for p in paths)  # the code exchange
    assert any("/me/permissions" in p for p in paths)  # the new token's inspection
    assert all(auth == f"Basic {credentials}" for auth in proxy.authorizations())
    assert all(p.startswith(box.url) for p in paths)  # absolute URLs: a forward proxy's


@pytest.mark.parametrize(
    ("scheme", "settings"),
    [
        ("DIGEST", {"scheme": "Digest"}),
        ("DIGEST", {"scheme": "Digest", "algorithm": "SHA-256", "close_on_challenge": True}),
        ("NTLM", {"scheme": "NTLM"}),
        ("NEGOTIATE", {"scheme": "Negotiate"}),
        ("BASIC", {"scheme": "Basic"}),
    ],
    ids=["digest", "digest-sha256-closing", "ntlm", "negotiate", "basic"],
)
def test_https_tunnels_answer_the_proxys_challenge_on_connect(
    box: Sandbox,
    tmp_path: Path,
    front: tuple[str, Path],
    ntlm_users: None,
    scheme: str,
    settings: dict[str, Any],
) -> None:
    url, cert = front
    with Relay(**settings) as proxy:
        conn = _connect(box, graph_url=url, SSLServerCert=str(cert),
                        **_through(proxy, scheme), **_login_props(box, tmp_path))  # fmt: skip
        assert len(conn.read("Media", limit=3)) == 3
        _login(box, conn)  # the code exchange goes through the tunnel too
        with pytest.raises(ProxyAuthError, match=f"ProxyAuthScheme={scheme}") as caught:
            _connect(box, graph_url=url, SSLServerCert=str(cert),
                     **_through(proxy, scheme, "Wr0ng-Pa55")).read("Media", limit=1)  # fmt: skip
    connects = [(path, auth) for method, path, auth in proxy.seen if method == "CONNECT"]
    assert connects
    assert all(path == url.removeprefix("https://") for path, _ in connects)
    assert not [m for m, _, _ in proxy.seen if m != "CONNECT"]  # nothing forwarded in clear
    label = settings["scheme"]
    assert any(auth and auth.startswith(f"{label} ") for _, auth in connects)
    assert "Wr0ng-Pa55" not in f"{caught.value!s} {caught.value!r}"


def test_digest_answers_forwarded_requests_too(box: Sandbox, tmp_path: Path) -> None:
    with Relay(scheme="Digest") as proxy:
        conn = _connect(box, **_through(proxy, "DIGEST"), **_login_props(box, tmp_path))
        assert len(conn.read("Media", limit=2)) == 2
        _login(box, conn)
    answered = [path for _, path, auth in proxy.seen if auth and auth.startswith("Digest ")]
    assert any("oauth/access_token" in p for p in answered)
    assert any("/media" in p for p in answered)


def test_ntlm_refuses_plain_http_by_name(box: Sandbox, ntlm_users: None) -> None:
    with Relay(scheme="NTLM") as proxy, pytest.raises(ProxyAuthError, match="ProxyExceptions"):
        _connect(box, **_through(proxy, "NTLM")).read("Media", limit=1)


def test_a_wrong_proxy_password_is_refused(box: Sandbox) -> None:
    with Relay(scheme="Basic") as proxy:
        conn = _connect(box, **_through(proxy, "BASIC", "Wr0ng-Pa55"))
        with pytest.raises(ProxyAuthError, match="ProxyUser and ProxyPassword") as caught:
            conn.read("Media", limit=1)
    assert proxy.seen
    assert "Wr0ng-Pa55" not in f"{caught.value!s} {caught.value!r} {conn!r} {conn.config!r}"


@pytest.mark.parametrize(
    ("props", "names"),
    [
        ({"ProxyAuthScheme": "PROPRIETARY"}, "BASIC, DIGEST, NTLM, NEGOTIATE, NONE"),
        ({"ProxyAuthScheme": "DIGEST"}, "needs ProxyUser"),
        (
            {"ProxyAuthScheme": "NTLM", "ProxyServer": "https://p.example", "ProxyUser": "a"},
            "without https://",
        ),
    ],
)
def test_proxy_schemes_that_cannot_work_are_refused_at_connect(
    props: dict[str, Any], names: str
) -> None:
    props = {"ProxyServer": "127.0.0.1", "ProxyPort": 3128, **props}
    with pytest.raises(UsageError, match=names):
        instapd.connect(access_token="x", **props)


def test_ntlm_without_pyspnego_names_the_install() -> None:
    # None in sys.modules is Python's own "this module is not installed" (ModuleNotFoundError)
    code = (
        "import sys\nsys.modules['spnego'] = None\nimport instapd\n"
        "try:\n    instapd.connect(access_token='x', ProxyServer='proxy.example', "
        "ProxyAuthScheme='NTLM', ProxyUser='alice')\n"
        "except instapd.MissingExtraError as exc:\n    print(exc.extra, exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("proxy ProxyAuthScheme=NTLM needs spnego")
    assert 'pip install "instapd[proxy]"' in result.stdout


def test_proxy_exceptions_and_environment_proxies(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Relay() as proxy:
        excepted = _connect(box, ProxyServer="127.0.0.1", ProxyPort=proxy.port,
                            ProxyExceptions="localhost;127.0.0.1")  # fmt: skip
        excepted.read("Media", limit=1)
        assert proxy.seen == []  # reached directly
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        _connect(box).read("Media", limit=1)  # no ProxyServer: requests' environment proxy
        assert len(proxy.seen) > 0
        before = len(proxy.seen)
        _connect(box, ProxyAutoDetect=False).read("Media", limit=1)
        assert len(proxy.seen) == before  # told not to use the environment's


def test_ssl_server_cert_is_trusted(box: Sandbox, front: tuple[str, Path]) -> None:
    url, cert = front
    trusted = _connect(box, graph_url=url, SSLServerCert=str(cert))
    assert len(trusted.read("Media", limit=2)) == 2
    with pytest.raises(GraphError):  # the system does not trust a self-signed certificate
        _connect(box, graph_url=url).read("Media", limit=1)
    with pytest.raises(UsageError, match="PEM"):
        _connect(box, SSLServerCert=str(cert.with_suffix(".key"))).read("Media", limit=1)


@pytest.mark.parametrize("form", ["pem-text", "sha256", "sha1", "sha256-bare"])
def test_ssl_server_cert_takes_pem_text_and_thumbprints(
    box: Sandbox, front: tuple[str, Path], form: str
) -> None:
    url, cert = front
    value = {
        "pem-text": cert.read_text(),
        "sha256": thumbprint(cert, hashes.SHA256),
        "sha1": thumbprint(cert, hashes.SHA1),
        "sha256-bare": thumbprint(cert, hashes.SHA256).replace(":", "").lower(),
    }[form]
    assert len(_connect(box, graph_url=url, SSLServerCert=value).read("Media", limit=2)) == 2


def test_pem_text_trusts_only_that_certificate(
    box: Sandbox, front: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = front
    (tmp_path / "other").mkdir()
    other, _ = certificate(tmp_path / "other")  # a certificate, but not the server's
    with pytest.raises(GraphError):
        _connect(box, graph_url=url, SSLServerCert=other.read_text()).read("Media", limit=1)


def test_a_wrong_thumbprint_is_refused_by_name(box: Sandbox, front: tuple[str, Path]) -> None:
    url, _ = front
    wrong = "00" * 31 + "01"
    with pytest.raises(ServerCertificateError, match="SSLServerCert"):
        _connect(box, graph_url=url, SSLServerCert=wrong).read("Media", limit=1)


def test_star_accepts_any_certificate_with_a_warning(box: Sandbox, front: tuple[str, Path]) -> None:
    url, _ = front
    with pytest.warns(UserWarning, match=r"SSLServerCert=\* accepts any certificate"):
        conn = _connect(box, graph_url=url, SSLServerCert="*")
    assert len(conn.read("Media", limit=2)) == 2


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----", "not a public key"),
        ("abc123", "SHA-1 \\(40 hex digits\\) or SHA-256 \\(64\\) thumbprint, or \\*"),
    ],
)
def test_ssl_server_cert_forms_it_does_not_take(box: Sandbox, value: str, names: str) -> None:
    with pytest.raises(UsageError, match=names):
        _connect(box, SSLServerCert=value)
