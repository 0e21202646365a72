"""A mountable transport: a requests adapter that answers from a WSGI app in this process.

httpx's ``WSGITransport`` for requests. Mount it on a session for one URL prefix and every
request there is served by calling the app, with no socket::

    session = requests.Session()
    session.mount(sandbox.url, WSGITransport(sandbox.app))
    instapd.connect(graph_url=sandbox.url, access_token=sandbox.token, session=session)

Everything above the transport runs as it does over HTTP: the send path, streaming, the size
cap, the usage headers, ``Content-Length`` checks (a body cut short raises
``ChunkedEncodingError``, as urllib3 does). An app that drops the connection (it shuts down
``environ["werkzeug.socket"]``, as on werkzeug's server) makes the adapter raise
``ConnectionError``. Timeouts cannot apply: the app runs in the calling thread.

werkzeug builds the WSGI environ and runs the app (:func:`werkzeug.test.run_wsgi_app`); urllib3's
``HTTPResponse`` carries the answer into requests, so requests builds the response as it would
from a socket. No maintained library does this without patching ``http.client`` globally
(wsgi-intercept does); requests-wsgi-adapter (last release 2019) neither streams a file body
nor closes the app's iterator.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3.exceptions import ProtocolError

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Socket:
    """What the app sees as ``werkzeug.socket``: shutting it down drops the connection."""

    def __init__(self) -> None:
        self.dropped = False

    def shutdown(self, how: int) -> None:
        self.dropped = True


class WSGITransport(HTTPAdapter):
    """Send requests to ``app`` in-process; ``remote_addr`` is the client address it sees."""

    def __init__(self, app: WSGIApp, *, remote_addr: str = "127.0.0.1") -> None:
        super().__init__()
        self.app = app
        self.remote_addr = remote_addr

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        parts = urlsplit(request.url or "")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "content-length"]
        builder = EnvironBuilder(
            path=parts.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            method=request.method or "GET",
            headers=headers,
            data=_body(request.body),
            environ_base={"REMOTE_ADDR": self.remote_addr},
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        connection = _Socket()
        environ["werkzeug.socket"] = connection
        chunks, status, answer_headers = run_wsgi_app(self.app, environ, buffered=True)
        content = b"".join(chunks)
        if connection.dropped:
            raise requests.ConnectionError(
                ProtocolError("Connection aborted.", "the app closed the connection"),
                request=request,
            )
        raw = HTTPResponse(
            body=io.BytesIO(content),
            headers=HTTPHeaderDict(list(answer_headers.items())),
            status=int(status.split(" ", 1)[0]),
            reason=status.partition(" ")[2],
            preload_content=False,
            decode_content=False,
            enforce_content_length=True,
            request_method=request.method,
            request_url=request.url,
        )
        return self.build_response(request, raw)


def _body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if hasattr(body, "read"):  # a file being uploaded
        return bytes(body.read())
    return b"".join(body)  # an iterable of chunks
