"""How a connection's HTTP goes out: CData's proxy, TLS and logging properties on a session.

:func:`prepare` mounts one :class:`Transport` adapter on a ``requests.Session`` (the Graph
client's, and each login exchange's), so every request of the connection, logins included:

- goes through ``ProxyServer:ProxyPort`` (with ``ProxyUser``/``ProxyPassword`` under
  ``ProxyAuthScheme`` BASIC, DIGEST, NTLM or NEGOTIATE: :mod:`.proxy_auth` answers the proxy's
  challenge, on the ``CONNECT`` of HTTPS), except to the ``ProxyExceptions`` hosts, which are
  reached directly; without ``ProxyServer`` the environment's proxies (``HTTPS_PROXY``,
  ``NO_PROXY``) apply as requests applies them, unless ``ProxyAutoDetect=false``;
- trusts ``SSLServerCert`` instead of the system's certificates: a PEM file, PEM text, a SHA-1
  or SHA-256 thumbprint of the server's certificate (pinned: urllib3's ``assert_fingerprint``),
  or ``*`` (any certificate, with a warning);
- is logged to ``LogFile`` (a rotating file: ``MaxLogFileSize``, ``MaxLogFileCount``) with its
  method, path, status and time, at ``Verbosity`` 1-5. Secrets never reach the log: the token
  travels in a header that is never logged, and secret URL parameters are masked.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ..config import Config
from ..errors import ServerCertificateError, UsageError, warn
from . import proxy_auth

if TYPE_CHECKING:
    import requests

LOGGER = "instapd.requests"
_USAGE_HEADERS = ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage")
_loggers: dict[str, logging.Logger] = {}  # by log file
_loggers_lock = threading.Lock()


def needed(config: Config) -> bool:
    """Whether ``config`` sets anything this module does (else sessions stay as they are)."""
    return bool(
        config.proxy_server
        or config.ssl_server_cert
        or config.log_file
        or config.proxy_exceptions
        or not config.proxy_auto_detect
    )


def check(config: Config) -> None:
    """Refuse at connect time what the proxy, TLS and log properties cannot do; warn of ``*``."""
    proxy_auth.check(config)
    proxy_url(config)
    request_logger(config)  # a LogFile that cannot be written: now, not at the first request
    if config.ssl_server_cert:
        _trust(config.ssl_server_cert, warn_any=True)


def proxy_url(config: Config) -> str | None:
    """``http://[user:password@]host:port`` for ``ProxyServer``, or None."""
    if not config.proxy_server:
        return None
    server = config.proxy_server.strip()
    if "://" not in server:
        server = f"http://{server}"
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"ProxyServer must be a host name or address (such as proxy.example.com), not "
            f"{config.proxy_server!r}"
        )
    credentials = ""
    if config.proxy_auth_scheme == "BASIC" and config.proxy_user:
        credentials = quote(config.proxy_user, safe="")
        if config.proxy_password:
            credentials += ":" + quote(config.proxy_password, safe="")
        credentials += "@"
    port = parts.port or config.proxy_port
    return f"{parts.scheme}://{credentials}{parts.hostname}:{port}"


def _excepted(host: str, exceptions: tuple[str, ...]) -> bool:
    host = host.lower()
    for entry in exceptions:
        entry = entry.lower().lstrip("*")
        if host == entry.lstrip(".") or (entry.startswith(".") and host.endswith(entry)):
            return True
        if not entry.startswith(".") and host.endswith("." + entry):
            return True
    return False


def request_logger(config: Config) -> logging.Logger | None:
    """The logger writing to ``LogFile`` (one rotating handler per file), or None."""
    if not config.log_file:
        return None
    path = str(Path(config.log_file).expanduser().resolve())
    with _loggers_lock:
        logger = _loggers.get(path)
        if logger is None:
            logger = logging.getLogger(f"{LOGGER}.{len(_loggers)}")
            count = config.max_log_file_count
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                handler = logging.handlers.RotatingFileHandler(
                    path,
                    maxBytes=config.max_log_file_size,
                    backupCount=9999 if count < 0 else count,
                    encoding="utf-8",
                )
            except OSError as exc:
                raise UsageError(
                    f"Logfile {config.log_file!r} cannot be written ({exc.strerror or exc}): "
                    "give the path of a file in a folder you can write to."
                ) from None
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            _loggers[path] = logger
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
    return logger


def _http_debug(config: Config) -> None:
    """Verbosity 4-5: the HTTP library's own lines (URLs masked by graph.redact) go to the log."""
    logger = request_logger(config)
    if logger is None or config.verbosity < 4:
        return
    from ..graph import redact

    redact.install()
    urllib3 = logging.getLogger("urllib3")
    for handler in logger.handlers:
        if handler not in urllib3.handlers:
            urllib3.addHandler(handler)
    urllib3.setLevel(logging.DEBUG)


def prepare(session: requests.Session, config: Config) -> None:
    """Mount the transport of ``config`` on ``session`` (for http and https)."""
    if not needed(config):
        return
    from requests.adapters import HTTPAdapter

    class Transport(HTTPAdapter):
        """Proxy, trusted certificate and request log of one connection."""

        def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            host = urlsplit(request.url).hostname or ""
            via_ours = False
            if _excepted(host, config.proxy_exceptions):
                kwargs["proxies"] = {}
            elif ours is not None:
                kwargs["proxies"] = {"http": ours, "https": ours}
                via_ours = True
            elif not config.proxy_auto_detect:
                kwargs["proxies"] = {}
            if trust is not None:
                kwargs["verify"] = trust.verify
            started = time.perf_counter()
            try:
                if via_ours and request.url.lower().startswith("http://"):
                    response = proxy_auth.answer_forwarded(
                        handshake(), config.proxy_auth_scheme, _send(kwargs), request
                    )
                else:
                    response = super().send(request, **kwargs)
            except Exception as exc:
                _log_failure(logger, request, started, exc)
                if trust is not None and trust.fingerprint and _mismatch(exc):
                    raise ServerCertificateError(
                        f"The server at {host} showed a certificate whose thumbprint is not "
                        "SSLServerCert's: check the thumbprint (SHA-1 or SHA-256 of the "
                        "server's certificate), or give its PEM instead"
                    ) from None
                raise
            _log(logger, config.verbosity, request, response, started)
            return response

        def build_connection_pool_key_attributes(
            self, request: Any, verify: Any, cert: Any = None
        ) -> Any:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
            if trust is not None and host_params.get("scheme") == "https":
                return host_params, {**dict(pool_kwargs), **trust.pool_kwargs()}
            return host_params, pool_kwargs

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
            if trust is not None and trust.pem and url.lower().startswith("https"):
                conn.ca_certs = conn.ca_cert_dir = None  # only the PEM text, not the system's

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            if proxy == ours and tunnel is not None:
                manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme, "https": tunnel}
            return manager

    def _send(kwargs: dict[str, Any]) -> Any:
        return lambda request: HTTPAdapter.send(adapter, request, **kwargs)

    ours = proxy_url(config)
    handshake = proxy_auth.handshake_factory(config, urlsplit(ours or "").hostname or "")
    tunnel = proxy_auth.tunnel_pool(handshake, config.proxy_auth_scheme) if ours else None
    trust = _trust(config.ssl_server_cert) if config.ssl_server_cert else None
    logger = request_logger(config)
    _http_debug(config)
    old = session.get_adapter("https://")
    size = getattr(old, "_pool_maxsize", 10)
    adapter = Transport(pool_connections=size, pool_maxsize=size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if not config.proxy_auto_detect:
        session.trust_env = False


_PEM = "-----BEGIN CERTIFICATE-----"
_HEX = re.compile(r"^(?:sha-?(?:1|256)\s*[:=]?\s*)?((?:[0-9a-f]{2}[:\s]?)+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Trust:
    """What ``SSLServerCert`` trusts: a PEM file, PEM text, a thumbprint, or any certificate."""

    path: str | None = None
    pem: str | None = None
    fingerprint: str | None = None
    any: bool = False

    @property
    def verify(self) -> bool | str:
        """requests' ``verify``: the PEM file; True for PEM text (only it, see
        :meth:`pool_kwargs`); False for a thumbprint (pinned instead) and for ``*``."""
        if self.path:
            return self.path
        return self.pem is not None

    def pool_kwargs(self) -> dict[str, Any]:
        """urllib3's connection-pool settings for PEM text and thumbprints."""
        if self.pem:
            return {"ssl_context": None, "ca_certs": None, "ca_cert_dir": None,
                    "ca_cert_data": self.pem, "cert_reqs": "CERT_REQUIRED"}  # fmt: skip
        if self.fingerprint:
            return {"assert_hostname": False, "assert_fingerprint": self.fingerprint}
        return {}


def _trust(value: str, warn_any: bool = False) -> Trust:
    """``SSLServerCert`` in each of CData's forms; anything else refused with the forms named."""
    text = value.strip()
    if text == "*":
        if warn_any:
            warn(
                "SSLServerCert=* accepts any certificate: anyone between you and the server "
                "can read and change the traffic, your token included. Give the server's "
                "certificate (a PEM file or text) or its SHA-256 thumbprint instead."
            )
        return Trust(any=True)
    if _PEM in text:
        return Trust(pem=text)
    if "-----BEGIN" in text:
        raise UsageError(
            "SSLServerCert takes a certificate (-----BEGIN CERTIFICATE-----), not a public key "
            "or other PEM block: give the server's certificate, a PEM file's path, its SHA-1 or "
            "SHA-256 thumbprint, or *"
        )
    match = _HEX.match(text)
    if match:
        digits = re.sub(r"[:\s]", "", match[1]).lower()
        if len(digits) in (40, 64):
            return Trust(fingerprint=digits)
    path = Path(text).expanduser()
    if not path.is_file():
        raise UsageError(
            f"SSLServerCert must be a PEM certificate file's path, the PEM text itself, the "
            f"certificate's SHA-1 (40 hex digits) or SHA-256 (64) thumbprint, or *; not {value!r}"
        )
    if _PEM.encode() not in path.read_bytes():
        raise UsageError(f"SSLServerCert {value!r} holds no PEM certificate")
    return Trust(path=str(path))


def _mismatch(exc: BaseException) -> bool:
    """Whether ``exc`` (requests' SSLError) is urllib3's thumbprint mismatch."""
    return "Fingerprints did not match" in str(exc)


def _path(request: Any, verbosity: int) -> str:
    from ..graph.redact import redact

    parts = urlsplit(request.url)
    shown = parts.path
    if verbosity >= 2 and parts.query:
        shown += "?" + parts.query
    return redact(shown)


def _log(
    logger: logging.Logger | None, verbosity: int, request: Any, response: Any, started: float
) -> None:
    if logger is None:
        return
    elapsed = (time.perf_counter() - started) * 1000
    status = response.status_code
    line = f"{request.method} {_path(request, verbosity)} -> {status} in {elapsed:.0f} ms"
    if verbosity >= 3:
        usage = {h: response.headers[h] for h in _USAGE_HEADERS if h in response.headers}
        if usage:
            line += f" usage={usage}"
    logger.info(line)


def _log_failure(
    logger: logging.Logger | None, request: Any, started: float, exc: BaseException
) -> None:
    if logger is None:
        return
    elapsed = (time.perf_counter() - started) * 1000
    logger.warning(
        f"{request.method} {_path(request, 1)} failed after {elapsed:.0f} ms: {type(exc).__name__}"
    )
