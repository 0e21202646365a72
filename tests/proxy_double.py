"""A loopback forward proxy (with ``CONNECT``) that demands one authentication scheme, and a TLS
front for the sandbox: what ``ProxyServer``/``ProxyAuthScheme`` and ``SSLServerCert`` are tested
against.

The proxy checks credentials as a real one would: Basic by comparing the header, Digest by
recomputing RFC 7616's response from its own nonce, NTLM and Negotiate with pyspnego's acceptor
(``NTLM_USER_FILE`` holds the users), on the one connection the handshake started on.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import http.client
import ipaddress
import os
import selectors
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REALM = "instapd-test"


def _digest_ok(header: str, user: str, password: str, nonce: str, method: str) -> bool:
    """Whether a ``Digest`` Proxy-Authorization is right for ``user``/``password``."""
    from requests.utils import parse_dict_header

    if not header.startswith("Digest "):
        return False
    p = parse_dict_header(header[len("Digest ") :])
    algorithm = (p.get("algorithm") or "MD5").upper()
    h = hashlib.sha256 if algorithm.startswith("SHA-256") else hashlib.md5

    def hx(text: str) -> str:
        return h(text.encode()).hexdigest()

    if p.get("username") != user or p.get("realm") != REALM or p.get("nonce") != nonce:
        return False
    ha1 = hx(f"{user}:{REALM}:{password}")
    ha2 = hx(f"{method}:{p['uri']}")
    expected = hx(f"{ha1}:{nonce}:{p['nc']}:{p['cnonce']}:auth:{ha2}")
    return p.get("response") == expected


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection through a 407 (NTLM needs it)
    upstream: str | None = None
    scheme: str | None = None  # None (no auth), Basic, Digest, NTLM, Negotiate
    user, password = "alice", "s3cr@t/x"  # URL-quoted in BASIC's proxy URL
    algorithm = "MD5"
    close_on_challenge = False
    seen: list[tuple[str, str, str | None]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- authentication ---------------------------------------------------------------------

    def _authorized(self) -> bool:
        """Check Proxy-Authorization; answer 407 with the next challenge when it is not."""
        auth = self.headers.get("Proxy-Authorization")
        self.seen.append((self.command, self.path, auth))
        if self.scheme is None:
            return True
        if self.scheme == "Basic":
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if auth == f"Basic {token}":
                return True
            return self._challenge('Basic realm="test"')
        if self.scheme == "Digest":
            nonce = self.server.nonce  # type: ignore[attr-defined]
            if auth and _digest_ok(auth, self.user, self.password, nonce, self.command):
                return True
            return self._challenge(
                f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", '
                f'algorithm={self.algorithm}, opaque="o1"'
            )
        return self._spnego(auth)

    def _spnego(self, auth: str | None) -> bool:
        import spnego

        label = self.scheme or ""
        if not auth or not auth.startswith(label + " "):
            self.context = None
            return self._challenge(label)
        if getattr(self, "context", None) is None:  # a handshake starts on this connection
            self.context = spnego.server(
                hostname="127.0.0.1", service="HTTP", protocol=label.lower()
            )
        try:
            out = self.context.step(base64.b64decode(auth[len(label) + 1 :]))
        except Exception:
            self.context = None
            return self._challenge(label)
        if self.context.complete:
            self.context = None
            return True
        return self._challenge(f"{label} {base64.b64encode(out or b'').decode()}")

    def _challenge(self, value: str) -> bool:
        self.send_response(407)
        self.send_header("Proxy-Authenticate", value)
        self.send_header("Content-Length", "3")
        if self.close_on_challenge:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(b"407")
        return False

    # -- relaying ---------------------------------------------------------------------------

    def do_CONNECT(self) -> None:
        if not self._authorized():
            return
        host, _, port = self.path.rpartition(":")
        upstream = socket.create_connection((host, int(port)), timeout=30)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        _pipe(self.connection, upstream)

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if not self._authorized():
            return
        target = urlsplit(self.path if self.upstream is None else self.upstream + self.path)
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


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    with selectors.DefaultSelector() as selector, b:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while True:
            for key, _ in selector.select():
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except OSError:
                    return
                if not data:
                    return
                key.data.sendall(data)


class Relay:
    """A threaded relay on 127.0.0.1 (port 0), closed on exit: a forward proxy demanding
    ``scheme`` (None: no authentication), or, with ``upstream``, a front that forwards every
    request to it (over TLS with ``tls``)."""

    def __init__(
        self,
        upstream: str | None = None,
        scheme: str | None = None,
        tls: ssl.SSLContext | None = None,
        **settings: Any,
    ) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        attributes = {"upstream": upstream, "scheme": scheme, "seen": self.seen, **settings}
        handler = type("Handler", (_Handler,), attributes)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.nonce = os.urandom(8).hex()  # type: ignore[attr-defined]
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

    def authorizations(self) -> list[str | None]:
        return [auth for _, _, auth in self.seen]


def certificate(folder: Path) -> tuple[Path, Path]:
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


def thumbprint(cert: Path, algorithm: Callable[[], hashes.HashAlgorithm]) -> str:
    """The certificate's thumbprint (hex, colons between), as a browser shows it."""
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    return loaded.fingerprint(algorithm()).hex(":").upper()


def tls_front(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
