"""The webhook receiver: a WSGI app Meta's deliveries reach at ``/``.

``GET /?hub.mode=subscribe&hub.verify_token=T&hub.challenge=N`` answers ``N`` (200) when ``T``
is the verify token, 403 otherwise. ``POST /`` keeps a delivery only when its
``X-Hub-Signature-256`` is the body's HMAC-SHA256 with the app secret: it is checked, appended
to the spool and acknowledged (200) at once; a worker thread turns the spool into history rows.
Every refusal is answered (400, 403, 405, 413) and logged on ``instapd.webhooks`` with
``extra={"webhook_refusal": <reason>}``; nothing of a refused delivery is kept.
"""

from __future__ import annotations

import hmac
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from werkzeug.wrappers import Request, Response

from ..errors import NoCredentialsError, UsageError
from ..snapshots import SnapshotDataset
from .events import MalformedDelivery, changes, parse
from .signature import HEADER, is_signed
from .spool import FOLDER, Spool
from .store import EventStore

if TYPE_CHECKING:
    from ..connection import BaseConnection

logger = logging.getLogger("instapd.webhooks")

#: The largest body kept: Meta batches up to 1000 changes in one delivery.
MAX_BODY = 4 * 1024 * 1024
#: Deliveries turned into rows at most at once.
MAX_BATCH = 5000
Refusal = Literal[
    "bad_verify_token", "missing_signature", "bad_signature", "too_large", "malformed", "method"
]
_STATUS: dict[Refusal, int] = {
    "bad_verify_token": 403,
    "missing_signature": 403,
    "bad_signature": 403,
    "too_large": 413,
    "malformed": 400,
    "method": 405,
}
_STOP = object()


def missing_secret() -> NoCredentialsError:
    return NoCredentialsError(
        "The webhook receiver needs your app's secret to check Meta's signatures: set "
        "OAuthClientSecret (INSTAPD_APP_SECRET). It refuses to start without it."
    )


class WebhookReceiver:
    """The WSGI callable; ``start()`` runs its worker, ``close()`` keeps what is queued and stops.

    ``location`` is the snapshot dataset (``SnapshotLocation``'s default when ``None``);
    ``connection`` reads what a mention names (``MentionedComment``/``MentionedMedia``).
    """

    def __init__(
        self,
        *,
        app_secret: str | None,
        verify_token: str,
        location: str | Path | None = None,
        connection: BaseConnection | None = None,
        max_body: int = MAX_BODY,
        fsync: bool = False,
    ) -> None:
        if not app_secret:
            raise missing_secret()
        if not isinstance(verify_token, str) or not verify_token:
            raise UsageError("The webhook receiver needs --verify-token: the string you give Meta.")
        self._secret, self._verify_token = app_secret, verify_token
        self.max_body = max_body
        self.dataset = SnapshotDataset(location)
        self.dataset.private_folders(self.dataset.location / FOLDER)
        self.spool = Spool(self.dataset.location / FOLDER, fsync=fsync)
        self.store = EventStore(self.dataset, connection)
        self.refusals: Counter[str] = Counter()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._replay = (self.spool.kept, self.spool.end)  # kept again before anything new
        self._done = threading.Condition()
        self._worker: threading.Thread | None = None
        self.failure: BaseException | None = None

    def __repr__(self) -> str:
        return f"<WebhookReceiver {self.dataset.location}>"

    # -- the worker ------------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="instapd-webhooks", daemon=True)
            self._worker.start()
        return self

    def close(self, timeout: float | None = None) -> None:
        """Keep every delivery acknowledged so far, then stop the worker and release the spool."""
        if self._worker is not None:
            self._queue.put(_STOP)
            self._worker.join(timeout)
            self._worker = None
        self.spool.close()

    def wait_kept(self, timeout: float = 30.0) -> bool:
        """Wait until every delivery acknowledged so far is in the history."""
        deadline = time.monotonic() + timeout
        with self._done:
            while self.spool.kept < self.spool.end and self.failure is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return self.failure is None

    def _work(self) -> None:
        try:
            start, stop = self._replay
            if start < stop:
                logger.info("keeping %d bytes of spooled deliveries from before", stop - start)
                batch: list[tuple[int, datetime, bytes]] = []
                for record in self.spool.replay(start, stop):
                    batch.append(record)
                    if len(batch) >= MAX_BATCH:
                        self._keep(batch)
                        batch = []
                self._keep(batch)
                self._mark(stop)  # past a damaged last line too
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                batch = [item]
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        self._keep(batch)
                        return
                    batch.append(item)
                self._keep(batch)
        except BaseException as exc:  # the spool keeps the deliveries; a restart goes on
            logger.exception("the webhook worker stopped; restart the receiver to go on")
            with self._done:
                self.failure = exc
                self._done.notify_all()

    def _keep(self, batch: list[tuple[int, datetime, Any]]) -> None:
        if not batch:
            return
        found = []
        for offset, received, body in batch:
            try:
                payload = parse(body) if isinstance(body, bytes) else body
            except MalformedDelivery as exc:  # only a damaged spool line can be: skip it
                logger.error("skipping a spooled delivery before byte %d: %s", offset, exc)
                continue
            found.extend(changes(payload, received))
        self.store.keep(found)
        self._mark(batch[-1][0])

    def _mark(self, offset: int) -> None:
        with self._done:
            self.spool.mark_kept(offset)
            self._done.notify_all()

    # -- WSGI ------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        if request.method == "GET":
            response = self._verify(request)
        elif request.method == "POST":
            response = self._deliver(request)
        else:
            response = self._refuse("method", f"{request.method} is not GET or POST")
        return response(environ, start_response)

    def _verify(self, request: Request) -> Response:
        args = request.args
        token = args.get("hub.verify_token", "")
        challenge = args.get("hub.challenge", "")
        if (
            args.get("hub.mode") != "subscribe"
            or not hmac.compare_digest(token.encode(), self._verify_token.encode())
            or not challenge.isascii()
            or not challenge.isalnum()
        ):
            return self._refuse("bad_verify_token", "a verification request did not match")
        logger.info("answered Meta's verification request")
        return Response(challenge, status=200, mimetype="text/plain")

    def _deliver(self, request: Request) -> Response:
        length = request.content_length
        if length is not None and length > self.max_body:
            return self._refuse("too_large", f"{length} bytes; the cap is {self.max_body}")
        body = request.stream.read(self.max_body + 1)
        if len(body) > self.max_body:
            return self._refuse("too_large", f"over {self.max_body} bytes")
        header = request.headers.get(HEADER)
        if not header:
            return self._refuse("missing_signature", f"no {HEADER} header")
        if not is_signed(body, header, self._secret):
            return self._refuse("bad_signature", f"{HEADER} does not match the body")
        try:
            payload = parse(body)
        except MalformedDelivery as exc:
            return self._refuse("malformed", str(exc))
        if self.failure is not None:  # not acknowledged: Meta delivers it again later
            return Response("the receiver's worker stopped", status=503, mimetype="text/plain")
        received = datetime.now(UTC)
        offset = self.spool.append(received, body)
        self._queue.put((offset, received, payload))
        return Response("ok", status=200, mimetype="text/plain")

    def _refuse(self, reason: Refusal, detail: str) -> Response:
        self.refusals[reason] += 1
        logger.warning(
            "webhook refused (%s): %s", reason, detail, extra={"webhook_refusal": reason}
        )
        return Response(reason, status=_STATUS[reason], mimetype="text/plain")
