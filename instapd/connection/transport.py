"""How a connection's HTTP goes out: CData's proxy, TLS and logging properties on a session.

:func:`prepare` mounts one :class:`Transport` adapter on a ``requests.Session`` (the Graph
client's, and each login exchange's), so every request of the connection, logins included:

- goes through ``ProxyServer:ProxyPort`` (with ``ProxyUser``/``ProxyPassword`` under
  ``ProxyAuthScheme=BASIC``), except to the ``ProxyExceptions`` hosts, which are reached directly;
  without ``ProxyServer`` the environment's proxies (``HTTPS_PROXY``, ``NO_PROXY``) apply as
  requests applies them, unless ``ProxyAutoDetect=false``;
- trusts ``SSLServerCert`` (a PEM file) instead of the system's certificates;
- is logged to ``LogFile`` (a rotating file: ``MaxLogFileSize``, ``MaxLogFileCount``) with its
  method, path, status and time, at ``Verbosity`` 1-5. Secrets never reach the log: the token
  travels in a header that is never logged, and secret URL parameters are masked.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ..config import Config
from ..errors import UsageError

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
            if _excepted(host, config.proxy_exceptions):
                kwargs["proxies"] = {}
            elif proxy is not None:
                kwargs["proxies"] = {"http": proxy, "https": proxy}
            elif not config.proxy_auto_detect:
                kwargs["proxies"] = {}
            if config.ssl_server_cert:
                kwargs["verify"] = cert
            started = time.perf_counter()
            try:
                response = super().send(request, **kwargs)
            except Exception as exc:
                _log_failure(logger, request, started, exc)
                raise
            _log(logger, config.verbosity, request, response, started)
            return response

    proxy = proxy_url(config)
    cert = _certificate(config.ssl_server_cert) if config.ssl_server_cert else None
    logger = request_logger(config)
    _http_debug(config)
    old = session.get_adapter("https://")
    size = getattr(old, "_pool_maxsize", 10)
    adapter = Transport(pool_connections=size, pool_maxsize=size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if not config.proxy_auto_detect:
        session.trust_env = False


def _certificate(value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        raise UsageError(
            f"SSLServerCert must be the path of a PEM certificate file, not {value!r} (no such "
            "file)"
        )
    if b"-----BEGIN CERTIFICATE-----" not in path.read_bytes():
        raise UsageError(f"SSLServerCert {value!r} holds no PEM certificate")
    return str(path)


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
