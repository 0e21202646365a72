"""The desktop flow's callback: a single-use listener on loopback for the redirect.

It serves ``CallbackURL`` (default ``https://localhost:33333/``, as CData): HTTPS with a
self-signed certificate made on the fly (werkzeug's ``adhoc`` context, built on cryptography)
when the scheme is https, plain HTTP when http. It binds the loopback address ``CallbackURL``
names (``localhost`` as 127.0.0.1) and nothing else, answers the first
request to the callback path that carries this login's ``state`` (others are logged and
ignored), and shows a page saying the tab may be closed.
"""

from __future__ import annotations

import html
import logging
import threading
from typing import Any, Literal
from urllib.parse import urlunsplit

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ..errors import LoginError, LoginTimeoutError, UsageError
from ..validation import is_loopback, web_url
from .flows import callback_state, parse_callback

logger = logging.getLogger("instapd.auth")


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any) -> None:  # the query string holds the code
        pass

    def log_error(self, *args: Any) -> None:
        pass


class CallbackListener:
    """Listen for one redirect. ``redirect_uri`` is known once :meth:`start` has bound."""

    def __init__(self, callback_url: str, state: str) -> None:
        parts = web_url(callback_url, "CallbackURL")
        if not is_loopback(callback_url):
            raise UsageError(
                f"CallbackURL {callback_url!r} must be http(s)://localhost:PORT/ for the desktop "
                "flow. For a remote kernel, use web mode: paste the URL the browser lands on."
            )
        self._parts = parts
        self._state = state
        self._done = threading.Event()
        self._result: str | LoginError | None = None
        self._server: BaseWSGIServer | None = None

    def start(self) -> CallbackListener:
        ssl: Literal["adhoc"] | None = "adhoc" if self._parts.scheme == "https" else None
        try:
            self._server = make_server(
                self.bind_address,
                self._parts.port or 0,
                self._app,
                ssl_context=ssl,
                request_handler=_Quiet,
            )
        except OSError as exc:
            raise UsageError(
                f"Cannot listen on {self._parts.netloc} for the login callback ({exc.strerror}); "
                "set CallbackURL to a free port, and register it in your Meta app."
            ) from None
        threading.Thread(
            target=self._server.serve_forever, name="instapd-callback", daemon=True
        ).start()
        return self

    @property
    def bind_address(self) -> str:
        """The address the listener binds: the one ``CallbackURL`` names (127.0.0.5 binds
        127.0.0.5, never 127.0.0.1 with another advertised); ``localhost`` binds 127.0.0.1."""
        host = self._parts.hostname or "localhost"
        return "127.0.0.1" if host.lower() == "localhost" else host

    @property
    def redirect_uri(self) -> str:
        port = self._server.port if self._server else self._parts.port
        host = self._parts.hostname or "localhost"
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return urlunsplit((self._parts.scheme, netloc, self._parts.path or "/", "", ""))

    def wait(self, timeout: float) -> str:
        """The authorization code, once the browser has been redirected here."""
        try:
            if not self._done.wait(timeout):
                raise LoginTimeoutError(timeout, self.redirect_uri)
        finally:
            self.stop()
        if isinstance(self._result, LoginError):
            raise self._result
        assert self._result is not None
        return self._result

    def cancel(self) -> None:
        """Stop listening: the login finished another way. A :meth:`wait` returns at once."""
        if not self._done.is_set():
            self._result = LoginError("The login finished another way; nothing listens now.")
            self._done.set()
        self.stop()

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            threading.Thread(target=server.shutdown, daemon=True).start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path.rstrip("/") != (self._parts.path or "/").rstrip("/") or self._done.is_set():
            return Response("Not found", status=404)(environ, start_response)
        if callback_state(request.url) != self._state:
            # a stale tab, or another local process guessing: never ends the pending login
            logger.warning("ignored a login callback whose state is not this login's")
            return Response(
                "This is not the login in progress; finish the newest login tab.", status=400
            )(environ, start_response)
        try:
            self._result = parse_callback(request.url, self._state)
            title, text = "Logged in", "instapd has your login. You may close this tab."
        except LoginError as exc:
            self._result = exc
            title, text = "Login did not complete", str(exc)
        self._done.set()
        page = (
            f"<!doctype html><meta charset='utf-8'><title>{title}</title>"
            f"<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1>"
            f"<p>{html.escape(text)}</p></body>"
        )
        return Response(page, mimetype="text/html")(environ, start_response)
