"""Serve the receiver over HTTP: :func:`serve` until interrupted (SIGINT or SIGTERM keep what is
queued first), :func:`start_server` in a background thread (notebooks, tests).

The HTTP server is cheroot's (CherryPy's production WSGI server, the ``webhooks`` extra): on
this project's 2-core machine it kept about twice what werkzeug's development server did
(bench/webhooks.py; waitress measured between the two and less steadily). Meta needs a public
HTTPS address: serve on loopback behind a reverse proxy that ends TLS (docs/howto/webhooks.md
has a systemd unit and the proxy settings). No request's query string is logged: Meta's
verification request carries the verify token in it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import missing_extra
from .receiver import WebhookReceiver

if TYPE_CHECKING:
    from ..connection import BaseConnection

logger = logging.getLogger("instapd.webhooks")

#: Requests served at once; Meta sends over a few kept-alive connections.
THREADS = 8


class _Http:
    """cheroot's WSGI server, bound on construction (so ``port`` is known before serving)."""

    def __init__(self, app: WebhookReceiver, host: str, port: int) -> None:
        try:
            from cheroot import wsgi
        except ModuleNotFoundError as exc:
            raise missing_extra(exc, "webhooks", "The webhook receiver's HTTP server") from None

        class _Server(wsgi.Server):  # type: ignore[misc, unused-ignore]  # Any without cheroot
            def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
                # a client that hung up, a malformed request line: never a query string
                logger.log(level, "http server: %s", msg, exc_info=traceback)

        self._server = _Server((host, port), app, numthreads=THREADS, timeout=30)
        self._server.prepare()  # binds and starts the worker threads
        self.host, self.port = self._server.bind_addr[:2]

    def serve_forever(self) -> None:
        self._server.serve()

    def shutdown(self) -> None:
        """Stop accepting; requests in progress finish first."""
        self._server.stop()

    def server_close(self) -> None:
        self._server.stop()


class Server:
    """A receiver served in a background thread; ``url`` is its callback URL."""

    def __init__(self, receiver: WebhookReceiver, host: str = "127.0.0.1", port: int = 0) -> None:
        self.http = _make_server(receiver, host, port)  # first: a missing extra starts nothing
        self.receiver = receiver.start()
        self._thread = threading.Thread(
            target=self.http.serve_forever, name="instapd-webhooks-http", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.http.host}:{self.http.port}/"

    def __repr__(self) -> str:
        return f"<webhooks.Server {self.url}>"

    def stop(self) -> None:
        """Stop answering, then keep what was acknowledged and release the spool."""
        self.http.shutdown()
        self.http.server_close()
        self.receiver.close()


def start_server(receiver: WebhookReceiver, host: str = "127.0.0.1", port: int = 0) -> Server:
    """Serve ``receiver`` at ``http://host:port/`` (port 0: a free one) in a background thread."""
    return Server(receiver, host, port)


def _make_server(receiver: WebhookReceiver, host: str, port: int) -> _Http:
    return _Http(receiver, host, port)


def serve(
    *,
    app_secret: str | None,
    verify_token: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    location: str | Path | None = None,
    connection: BaseConnection | None = None,
) -> None:
    """Serve the receiver at ``http://host:port/``; prints that address once it listens."""
    receiver = WebhookReceiver(
        app_secret=app_secret, verify_token=verify_token, location=location, connection=connection
    )
    server = _make_server(receiver, host, port)  # bound, not yet answering
    receiver.start()
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    print(
        f"instapd webhooks: serving on http://{server.host}:{server.port}/ "
        f"(history at {receiver.dataset.location})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        receiver.close()
        print("instapd webhooks: stopped; every acknowledged delivery is kept", file=sys.stderr)
