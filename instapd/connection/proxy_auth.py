"""The proxy's challenge answered: ``ProxyAuthScheme`` DIGEST, NTLM and NEGOTIATE.

BASIC needs no answer (requests sends ``ProxyUser:ProxyPassword`` with each request and on
``CONNECT``). The other schemes are challenge and response: the proxy answers 407 with a
``Proxy-Authenticate`` challenge, and the client answers it. HTTPS (all of Meta's API) goes
through ``CONNECT``, so the challenge is answered on the ``CONNECT`` itself, on the socket the
tunnel will use (:func:`tunnel_pool`); NTLM and NEGOTIATE (pyspnego, NTLM inside SPNEGO when no
Kerberos ticket is at hand) bind their handshake to that one connection. A plain ``http://``
request forwarded by the proxy gets DIGEST's answer by :func:`answer_forwarded`.

requests' ``HTTPDigestAuth`` cannot answer a ``CONNECT``: it builds the digest's URI from a URL's
path, and a ``CONNECT``'s URI is ``host:port``. :class:`Digest` is RFC 7616 with that URI.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import socket
import threading
from collections.abc import Callable
from typing import Any, Protocol

from ..config import Config
from ..errors import ProxyAuthError, UsageError, missing_extra

__all__ = ["CHALLENGED", "answer_forwarded", "check", "handshake_factory", "tunnel_pool"]

#: The schemes that answer a challenge (BASIC and NONE need none).
CHALLENGED = ("DIGEST", "NTLM", "NEGOTIATE")
_SPNEGO = {"NTLM": "ntlm", "NEGOTIATE": "negotiate"}
_MAX_LEGS = 4


class Handshake(Protocol):
    """One authentication with the proxy: what to send first, and the answer to a challenge."""

    #: Whether the handshake must stay on one connection (NTLM, NEGOTIATE).
    bound: bool

    def first(self, method: str, uri: str) -> str | None: ...

    def answer(self, method: str, uri: str, challenges: list[str]) -> str | None: ...


def _challenge(label: str, challenges: list[str]) -> str | None:
    """The parameters of the ``label`` challenge among ``Proxy-Authenticate`` values."""
    for value in challenges:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() == label.lower():
            return rest.strip()
    return None


_HASHES: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
}


class Digest:
    """RFC 7616 Digest (MD5, SHA-256, their -sess forms; qop auth or none)."""

    bound = False

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self._params: dict[str, str] | None = None
        self._count = 0
        self._lock = threading.Lock()

    def first(self, method: str, uri: str) -> str | None:
        """Preemptive after the first challenge: the nonce is reused with the next count."""
        return self._header(method, uri) if self._params else None

    def answer(self, method: str, uri: str, challenges: list[str]) -> str | None:
        from requests.utils import parse_dict_header

        found = _challenge("Digest", challenges)
        if found is None:
            return None
        parsed: dict[str, str | None] = parse_dict_header(found)  # type: ignore[no-untyped-call]
        params = {k.lower(): v for k, v in parsed.items() if v is not None}
        if "nonce" not in params or "realm" not in params:
            return None
        with self._lock:
            stale = self._params is not None and params.get("stale", "").lower() == "true"
            if self._params is not None and not stale and params["nonce"] == self._params["nonce"]:
                return None  # the same nonce refused again: the credentials are wrong
            self._params, self._count = params, 0
        return self._header(method, uri)

    def _header(self, method: str, uri: str) -> str | None:
        with self._lock:
            assert self._params is not None
            params = self._params
            self._count += 1
            count = f"{self._count:08x}"
        algorithm = params.get("algorithm", "MD5").upper()
        digest = _HASHES.get(algorithm.removesuffix("-SESS"))
        if digest is None:
            return None

        def h(text: str) -> str:
            return str(digest(text.encode("utf-8")).hexdigest())

        nonce, realm = params["nonce"], params["realm"]
        cnonce = os.urandom(8).hex()
        ha1 = h(f"{self.user}:{realm}:{self.password}")
        if algorithm.endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        fields = [
            f'username="{self.user}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
            f"algorithm={algorithm}",
        ]
        if "auth" in qops:
            response = h(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={count}", f'cnonce="{cnonce}"']
        elif qops:
            return None  # auth-int only: not offered by instapd
        else:
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields.append(f'response="{response}"')
        if "opaque" in params:
            fields.append(f'opaque="{params["opaque"]}"')
        return "Digest " + ", ".join(fields)


class Spnego:
    """NTLM or NEGOTIATE through pyspnego: one security context per connection."""

    bound = True

    def __init__(self, scheme: str, user: str, password: str, host: str) -> None:
        import spnego

        self.label = "NTLM" if scheme == "NTLM" else "Negotiate"
        self._context = spnego.client(
            user, password, hostname=host, service="HTTP", protocol=_SPNEGO[scheme]
        )

    def first(self, method: str, uri: str) -> str | None:
        token = self._context.step()
        return f"{self.label} {base64.b64encode(token).decode()}" if token else None

    def answer(self, method: str, uri: str, challenges: list[str]) -> str | None:
        found = _challenge(self.label, challenges)
        if not found or self._context.complete:
            return None  # no token in the challenge, or the handshake ended and was refused
        try:
            token = self._context.step(base64.b64decode(found))
        except Exception:  # pyspnego's errors: a malformed or refused challenge
            return None
        return f"{self.label} {base64.b64encode(token).decode()}" if token else None


def check(config: Config) -> None:
    """Refuse, before anything is sent, what the scheme cannot do with these properties."""
    scheme = config.proxy_auth_scheme
    if scheme not in CHALLENGED or not config.proxy_server:
        return
    if not config.proxy_user:
        raise UsageError(f"ProxyAuthScheme={scheme} needs ProxyUser (and ProxyPassword)")
    if config.proxy_server.strip().lower().startswith("https://"):
        raise UsageError(
            f"ProxyAuthScheme={scheme} answers the proxy's challenge on a plain connection to "
            "it: write ProxyServer without https:// (the tunnel to the API is still TLS)"
        )
    if scheme in _SPNEGO:
        try:
            import spnego  # noqa: F401
        except ModuleNotFoundError as exc:
            raise missing_extra(exc, "proxy", f"ProxyAuthScheme={scheme}") from None


class Preset:
    """BASIC (the header requests would send) or NONE: nothing to answer a challenge with."""

    bound = False

    def __init__(self, header: str | None) -> None:
        self.header = header

    def first(self, method: str, uri: str) -> str | None:
        return self.header

    def answer(self, method: str, uri: str, challenges: list[str]) -> str | None:
        return None


def handshake_factory(config: Config, host: str) -> Callable[[], Handshake]:
    """A new :class:`Handshake` per connection (one Digest state shared by all)."""
    scheme = config.proxy_auth_scheme
    user, password = config.proxy_user or "", config.proxy_password or ""
    if scheme not in CHALLENGED:
        basic = None
        if scheme == "BASIC" and config.proxy_user:
            basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        preset = Preset(basic)
        return lambda: preset
    if scheme == "DIGEST":
        digest = Digest(user, password)
        return lambda: digest
    return lambda: Spnego(scheme, user, password, host)


def _refused(scheme: str, status: int, where: str) -> ProxyAuthError:
    return ProxyAuthError(
        f"The proxy refused the connection's credentials under ProxyAuthScheme={scheme} "
        f"({status} to {where}): check ProxyUser and ProxyPassword, and set ProxyAuthScheme to "
        "the scheme the proxy asks for (BASIC, DIGEST, NTLM or NEGOTIATE)"
    )


def _connect_once(sock: socket.socket, target: str, header: str | None) -> tuple[int, Any, bool]:
    """Send one ``CONNECT``; its status, headers, and whether the proxy keeps the socket."""
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if header:
        lines.append(f"Proxy-Authorization: {header}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    response = http.client.HTTPResponse(sock, method="CONNECT")
    try:
        response.begin()
        if response.status != 200:
            response.read()  # drain the body, so the next CONNECT starts clean
        return response.status, response.headers, not response.will_close
    finally:
        response.close()


def _tunnel_connection(factory: Callable[[], Handshake], scheme: str) -> type[Any]:
    from urllib3.connection import HTTPSConnection

    class TunnelConnection(HTTPSConnection):
        """Opens its socket through the proxy's ``CONNECT``, answering its challenge."""

        def _new_conn(self) -> socket.socket:
            target = f"{self._tunnel_host}:{self._tunnel_port}"
            handshake = factory()
            header = handshake.first("CONNECT", target)
            sock = super()._new_conn()
            for _ in range(_MAX_LEGS):
                try:
                    status, headers, kept = _connect_once(sock, target, header)
                except BaseException:
                    sock.close()
                    raise
                if status == 200:
                    return sock
                if status != 407:
                    sock.close()
                    raise OSError(f"Tunnel connection failed: {status}")
                header = handshake.answer(
                    "CONNECT", target, headers.get_all("Proxy-Authenticate") or []
                )
                if header is None:
                    sock.close()
                    raise _refused(scheme, status, f"CONNECT {target}")
                if not kept:
                    sock.close()
                    if handshake.bound:
                        raise ProxyAuthError(
                            f"ProxyAuthScheme={scheme} needs the proxy to keep the connection "
                            "open through its challenge, and it closed it"
                        )
                    sock = super()._new_conn()
            sock.close()
            raise _refused(scheme, 407, f"CONNECT {target}")

        def _tunnel(self) -> None:
            """The tunnel is open already (:meth:`_new_conn`)."""

    return TunnelConnection


def tunnel_pool(factory: Callable[[], Handshake], scheme: str) -> type[Any]:
    """An ``HTTPSConnectionPool`` whose connections answer the proxy's challenge."""
    from urllib3.connectionpool import HTTPSConnectionPool

    return type(
        "TunnelPool", (HTTPSConnectionPool,), {"ConnectionCls": _tunnel_connection(factory, scheme)}
    )


def answer_forwarded(
    handshake: Handshake, scheme: str, send: Callable[[Any], Any], request: Any
) -> Any:
    """A plain ``http://`` request the proxy forwards: answer its 407 (DIGEST), once."""
    first = handshake.first(request.method, request.url)
    if first:
        request.headers["Proxy-Authorization"] = first
    response = send(request)
    if response.status_code != 407:
        return response
    if handshake.bound:
        response.close()
        raise ProxyAuthError(
            f"ProxyAuthScheme={scheme} authenticates HTTPS tunnels (CONNECT) only, and "
            f"{request.url.split('?')[0]} is plain http: list its host in ProxyExceptions"
        )
    header = handshake.answer(request.method, request.url, _all(response, "Proxy-Authenticate"))
    if header is None:
        response.close()
        raise _refused(scheme, 407, request.method + " " + request.url.split("?")[0])
    response.content  # noqa: B018 -- drain, so the connection goes back to the pool
    response.close()
    request.headers["Proxy-Authorization"] = header
    return send(request)


def _all(response: Any, name: str) -> list[str]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return list(raw.getlist(name))
    value = response.headers.get(name)
    return [value] if value else []
