"""Run the receiver as a server until interrupted (SIGINT or SIGTERM keep what is queued first).

Meta needs a public HTTPS address: serve on loopback behind a reverse proxy that ends TLS
(docs/howto/webhooks.md has a systemd unit and the proxy settings).
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
    from ..connection import BaseConnection

logger = logging.getLogger("instapd.webhooks")


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
    from werkzeug.serving import WSGIRequestHandler, make_server

    receiver = WebhookReceiver(
        app_secret=app_secret, verify_token=verify_token, location=location, connection=connection
    ).start()

    class _Quiet(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: Meta sends many deliveries per connection

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            logger.debug("%s %s", self.command, code)  # never the query: it holds the token

    server = make_server(host, port, receiver, threaded=True, request_handler=_Quiet)
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
