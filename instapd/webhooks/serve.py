"""Serve the receiver over HTTP: :func:`serve` until interrupted (SIGINT or SIGTERM keep what is
queued first), :func:`start_server` in a background thread (notebooks, tests).

Meta needs a public HTTPS address: serve on loopback behind a reverse proxy that ends TLS
(docs/howto/webhooks.md has a systemd unit and the proxy settings). No request's query string is
logged: Meta's verification request carries the verify token in it.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .receiver import WebhookReceiver

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

    from ..connection import BaseConnection

logger = logging.getLogger("instapd.webhooks")


class Server:
    """A receiver served in a background thread; ``url`` is its callback URL."""

    def __init__(self, receiver: WebhookReceiver, host: str = "127.0.0.1", port: int = 0) -> None:
        self.receiver = receiver.start()
        self.http = _make_server(receiver, host, port)
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


def _make_server(receiver: WebhookReceiver, host: str, port: int) -> BaseWSGIServer:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _Quiet(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: Meta sends many deliveries per connection

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            logger.debug("%s %s", self.command, code)  # never the query: it holds the token

    return make_server(host, port, receiver, threaded=True, request_handler=_Quiet)


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
    ).start()
    server = _make_server(receiver, host, port)
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
