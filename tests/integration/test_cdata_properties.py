"""CData's remaining connection properties against the sandbox: UserDefinedViews, PseudoColumns,
Other, AuthenticateAsPage, the request log, the proxy (a real loopback forward proxy) and
SSLServerCert (a loopback TLS server with a self-signed certificate)."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import instapd
from instapd.errors import AccountError, GraphError, UsageError
from instapd.graph.send import appsecret_proof
from instapd.sandbox import Sandbox
from tests.browser_double import click_through
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


# -- a loopback forward proxy, and a TLS front for the sandbox ---------------------------------


class _Relay(BaseHTTPRequestHandler):
    """Forwards each request: to the absolute URL it names (a forward proxy), or to
    ``upstream`` (a TLS front). Records what it saw; with ``credentials``, asks for them."""

    upstream: str | None = None
    credentials: str | None = None
    seen: list[tuple[str, str, str | None]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _relay(self) -> None:
        auth = self.headers.get("Proxy-Authorization")
        self.seen.append((self.command, self.path, auth))
        if self.credentials is not None and auth != f"Basic {self.credentials}":
            self.send_response(407)
            self.send_header("Proxy-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        target = urlsplit(self.path if self.upstream is None else self.upstream + self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() not in ("proxy-authorization", "proxy-connection", "connection", "host")
        }
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = do_DELETE = _relay


class Relay:
    """A threaded relay on 127.0.0.1 (port 0), closed on exit."""

    def __init__(
        self,
        upstream: str | None = None,
        credentials: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        handler = type(
            "Handler",
            (_Relay,),
            {"upstream": upstream, "credentials": credentials, "seen": self.seen},
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Relay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


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
        ({"ProxyAuthScheme": "NTLM"}, "BASIC, NONE"),
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


# -- proxy and TLS ----------------------------------------------------------------------------


def test_all_traffic_goes_through_the_proxy_logins_included(box: Sandbox, tmp_path: Path) -> None:
    credentials = base64.b64encode(b"alice:s3cr:t").decode()
    with Relay(credentials=credentials) as proxy:
        conn = _connect(
            box,
            ProxyServer="127.0.0.1",
            ProxyPort=proxy.port,
            ProxyUser="alice",
            ProxyPassword="s3cr:t",
            OAuthClientId=box.oauth_app.app_id,
            OAuthClientSecret=box.oauth_app.app_secret,
            OAuthAuthorizationURL=box.dialog_url,
            OAuthSettingsLocation=str(tmp_path / "token.json"),
        )
        assert len(conn.read("Media", limit=3)) == 3
        url = conn.call("GetOAuthAuthorizationURL", CallbackURL="https://app.example/cb")["URL"]
        landed = click_through(url[0], land=False)  # the browser, not instapd
        conn.call("GetOAuthAccessToken", Verifier=landed, CallbackURL="https://app.example/cb")
    paths = [path for _, path, _ in proxy.seen]
    assert any("/media" in p for p in paths)
    assert any("oauth/access_token" in p for p in paths)  # the code exchange
    assert any("/me/permissions" in p for p in paths)  # the new token's inspection
    assert all(auth == f"Basic {credentials}" for _, _, auth in proxy.seen)
    assert all(p.startswith(box.url) for p in paths)  # absolute URLs: a forward proxy's


def test_a_wrong_proxy_password_is_refused(box: Sandbox) -> None:
    credentials = base64.b64encode(b"alice:right").decode()
    with Relay(credentials=credentials) as proxy:
        conn = _connect(box, ProxyServer="127.0.0.1", ProxyPort=proxy.port,
                        ProxyUser="alice", ProxyPassword="Wr0ng-Pa55")  # fmt: skip
        with pytest.raises(GraphError) as caught:
            conn.read("Media", limit=1)
    assert proxy.seen
    assert "Wr0ng-Pa55" not in f"{caught.value!s} {caught.value!r} {conn!r} {conn.config!r}"


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


def test_ssl_server_cert_is_trusted(box: Sandbox, tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with Relay(upstream=box.url, tls=tls) as front:
        url = f"https://127.0.0.1:{front.port}"
        trusted = _connect(box, graph_url=url, SSLServerCert=str(cert))
        assert len(trusted.read("Media", limit=2)) == 2
        with pytest.raises(GraphError):  # the system does not trust a self-signed certificate
            _connect(box, graph_url=url).read("Media", limit=1)
    with pytest.raises(UsageError, match="PEM"):
        _connect(box, SSLServerCert=str(key)).read("Media", limit=1)
