"""The Graph API client: paging, batches, writes and uploads over the one send path.

Every request goes through :class:`.send.Sender` (proof, headers, pacing, size cap, typed and
masked errors); this module decides what to send and whether it may be sent again: reads and
batches of reads are retried (:class:`RetryPolicy`), writes and uploads are sent once. A refused
token is renewed and the request sent again either way, as Meta applied nothing.

The token travels in the ``Authorization`` header, never in a URL, so nothing that logs URLs
(urllib3 at DEBUG, proxies) can see it. Paging links from the API echo the token; the client
drops it and re-issues the link against its own base URL.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote_plus, urlsplit

import orjson
import requests

from ..errors import (
    GraphError,
    InvalidParameterError,
    RetryableError,
    TooMuchDataError,
    TransientError,
    UsageError,
)
from ..validation import secure_url
from .errors import error_from_body
from .send import MAX_BODY, RetryPolicy, Sender, masked, pooled_session, read_capped
from .shrink import Shrink
from .throttle import Throttle, paced_account, paced_for
from .usage import Usage, parse_usage

__all__ = ["MAX_BODY", "GraphClient", "Outcome", "Page", "RetryPolicy", "WriteOp", "read_capped"]

logger = logging.getLogger("instapd.graph")
_T = TypeVar("_T")

_SECRET_PARAMS = ("access_token", "appsecret_proof")
_PATH = re.compile(r"[A-Za-z0-9_]+(?:/[A-Za-z0-9_]+)*/?")
#: Never page further than this in one read: a guard against an API that loops.
MAX_PAGES = 100_000
#: Operations per batch request, Meta's limit.
MAX_BATCH = 50
#: Meta's host for resumable video uploads.
UPLOAD_HOST = "rupload.facebook.com"


#: What one batched operation ended with: its body, or the error it could not get past.
Outcome = dict[str, Any] | GraphError


@dataclass(frozen=True)
class WriteOp:
    """One write: ``POST`` or ``DELETE`` on a path, with its parameters."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """One page of an edge: its items and the raw ``paging`` block."""

    data: list[dict[str, Any]]
    paging: dict[str, Any]


class GraphClient:
    """HTTP access to one Graph API root with one token.

    Parameters are keyword-only; constructing a client does no I/O. A ``session`` passed in is
    used as is and never closed by instapd.
    """

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        access_token: str,
        app_secret: str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        concurrency: int = 4,
        throttle: Throttle | None = None,
        renew_token: Callable[[], str] | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.base_url = secure_url(base_url, "GraphURL").rstrip("/")
        self.version = version
        self._token = access_token
        self._renew_token = renew_token
        self.retry = retry or RetryPolicy()
        self.throttle = throttle or Throttle()
        self.concurrency = max(1, concurrency)
        self._owns_session = session is None
        self._sender = Sender(
            session=session or pooled_session(self.concurrency),
            timeout=timeout,
            max_body=max_body,
            app_secret=app_secret,
            throttle=self.throttle,
        )
        self._pool: ThreadPoolExecutor | None = None
        self._retired: list[ThreadPoolExecutor] = []  # narrower pools finishing what they hold
        self._lock = threading.Lock()
        #: Each is told the usage headers of every batch operation (each account's own).
        self.usage_listeners: list[Callable[[Usage], None]] = []

    def __repr__(self) -> str:
        return f"<GraphClient {self.base_url} {self.version} token=***>"

    # what the send path counts and remembers, read by progress bars, io and writes
    @property
    def requests_made(self) -> int:
        return self._sender.requests_made

    @property
    def request_listeners(self) -> list[Callable[[], None]]:
        """Each is called after every answer."""
        return self._sender.listeners

    @property
    def last_usage(self) -> Usage:
        return self._sender.last_usage

    @property
    def token_digest(self) -> str:
        """A digest telling this client's token from others (the token cannot be read from it):
        a server issues its own tokens, so it also tells one server instance from another."""
        return hashlib.sha256(self._token.encode()).hexdigest()[:32]

    @property
    def server_date(self) -> str | None:
        """The API's clock, from the last answer's ``Date``."""
        return self._sender.server_date

    def server_now(self) -> datetime:
        """The API's time at its last answer (``Date``, whole seconds, so never ahead of the
        API: a lower bound for "posted since this round began"); this machine's if it never
        said."""
        if self.server_date:
            try:
                return parsedate_to_datetime(self.server_date).astimezone(UTC)
            except (TypeError, ValueError):
                pass
        return datetime.now(UTC)

    def now(self) -> datetime:
        """The API's time now: this machine's clock moved by how far the last answer's ``Date``
        was from it (this machine's before any answer). A sandbox whose clock was advanced is
        ahead of the wall clock, and windows such as "the last 30 days" follow it."""
        return datetime.now(UTC) + self._sender.clock_offset

    @property
    def timeout(self) -> float:
        return self._sender.timeout

    @property
    def max_body(self) -> int:
        return self._sender.max_body

    def close(self) -> None:
        for pool in [*self._retired, *([self._pool] if self._pool is not None else [])]:
            pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._retired = None, []
        if self._owns_session:
            self._sender.session.close()

    @property
    def session(self) -> requests.Session:
        """The one session every request goes through (a connection's transport mounts here)."""
        return self._sender.session

    def widen(self, workers: int) -> None:
        """Let ``workers`` independent requests be in flight at once from now on (a snapshot
        of many accounts sends each level's batch requests side by side). Never narrows."""
        with self._lock:
            if workers <= self.concurrency:
                return
            self.concurrency = workers
            if self._pool is not None:  # what it runs finishes there; new work goes wider
                self._retired.append(self._pool)
                self._pool = None

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The small bounded pool that independent requests share."""
        with self._lock:
            if self._pool is None:
                self._pool = PacedPool(self.throttle, self.concurrency)
            return self._pool

    # -- the one way a request leaves ------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        body: Any = None,
        *,
        resend: bool,
        shrinkable: bool = False,
    ) -> Any:
        """Send through the send path: retried when ``resend`` (reads only), renewed on a
        refused token either way; returns the decoded body."""
        account = paced_account() or self._leading_id(url)

        def once() -> Any:
            return self._sender.send(
                method, url, token=self._token, params=query, json_body=body, account=account
            ).body

        def send() -> Any:
            return self.retry.run(once, shrinkable=shrinkable) if resend else once()

        return self._sender.renewing(send, lambda: self._token, self._renew)

    @property
    def _renew(self) -> Callable[[], None] | None:
        renew_token = self._renew_token
        if renew_token is None:
            return None

        def renew() -> None:
            self._token = renew_token()

        return renew

    def _resolve(self, path: str, params: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """A URL on our base and its query, with any token a paging link carried removed."""
        query: dict[str, str] = {}
        if "://" in path:  # a paging link: keep its path and query, not its host or token
            parts = urlsplit(path)
            path = parts.path
            query.update((k, v) for k, v in parse_qsl(parts.query) if k not in _SECRET_PARAMS)
        else:
            path = f"/{self.version}/{checked_path(path)}"
        query.update({k: _param(v) for k, v in params.items() if v is not None})
        return self.base_url + path, query

    def _leading_id(self, url: str) -> str | None:
        """The node a request's path starts with (``/{version}/{id}/...``): its account, when
        the request is for an account's own node and no reader named one."""
        head = urlsplit(url).path.split("/")
        return head[2] if len(head) > 2 and head[2] else None

    # -- single requests -------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET ``/{version}/{path}`` (or a paging link), retried; returns the decoded body."""
        url, query = self._resolve(path, params or {})
        body = self._request("GET", url, query, resend=True)
        if not isinstance(body, dict):
            raise TransientError("The Graph API answered with something other than an object")
        return body

    # -- writes: sent once, never retried blindly -----------------------------------------

    def write(
        self, method: str, path: str, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """POST or DELETE ``path`` once. A write is not idempotent, so nothing here retries it.

        A lost answer (dropped connection, timeout, 5xx) raises :class:`TransientError`: the
        write may or may not have happened, and only the caller can look. A refused token is
        renewed and the write sent again, as Meta applied nothing.
        """
        url, query = self._resolve(path, params or {})
        body = self._request(method, url, query, resend=False)
        if not isinstance(body, dict):
            raise TransientError("The Graph API answered a write with something other than JSON")
        return body

    def write_batch(self, operations: Sequence[WriteOp]) -> list[Outcome | None]:
        """Up to 50 writes in one batch request, sent once.

        Each outcome is the decoded body, the :class:`GraphError` Meta answered, or ``None``
        when the operation's answer was lost (``null``, or a transient error: it may have been
        applied). A lost answer to the whole request raises :class:`TransientError`.
        """
        if len(operations) > MAX_BATCH:
            raise ValueError(f"At most {MAX_BATCH} operations per batch")
        answers = self._send_batch([(op.method, op.path, op.params) for op in operations], False)
        outcomes = [self._decoded(answer) for answer in answers]
        # a server error after sending: it may have been applied, so it counts as lost
        return [None if isinstance(o, TransientError) else o for o in outcomes]

    def upload(self, uri: str, path: Path) -> dict[str, Any]:
        """Stream a file to Meta's resumable upload ``uri`` once (``rupload.facebook.com``, or
        this client's own host, as the sandbox answers). A lost answer raises
        :class:`TransientError`; the caller reads the container's status to know more."""
        parts, own = urlsplit(uri), urlsplit(self.base_url)
        if parts.netloc != own.netloc and not (
            parts.scheme == "https" and parts.hostname == UPLOAD_HOST
        ):
            raise UsageError(
                f"The upload address is on {parts.hostname!r}, neither {UPLOAD_HOST} nor the "
                "GraphURL host; instapd sends the token nowhere else."
            )
        headers = {
            "offset": "0",
            "file_size": str(path.stat().st_size),
            "Content-Type": "application/octet-stream",
        }

        def once() -> Any:
            with path.open("rb") as data:
                answer = self._sender.send(
                    "POST",
                    uri,
                    token=self._token,
                    auth_scheme="OAuth",
                    data=data,
                    headers=headers,
                    where="the upload host",
                )
            if not isinstance(answer.body, dict):
                raise error_from_body(answer.status, answer.body, Usage())
            return answer.body

        body = self._sender.renewing(once, lambda: self._token, self._renew)
        return dict(body)

    # -- batch -----------------------------------------------------------------------------

    def batch(
        self, requests: Sequence[tuple[str, Mapping[str, Any]]], *, paged: bool = False
    ) -> list[Outcome]:
        """GET many paths in batch requests of up to 50 operations each.

        Each outcome is the decoded body, or the :class:`GraphError` that operation ended with.
        An operation the batch left unanswered (``null``) or that failed transiently is retried
        on its own, so one bad operation never fails its neighbours. Operations may be for many
        accounts: each operation's own usage headers pace its account, and an operation for an
        account the throttle is slowing is sent on its own, paced as that account's. ``paged``:
        the operations are pages, so a :class:`TooMuchDataError` (the same request alone is as
        big) is the outcome, for the caller to ask again in smaller pages.
        """
        chunks = [requests[i : i + MAX_BATCH] for i in range(0, len(requests), MAX_BATCH)]
        if len(chunks) == 1:
            return self._one_batch(chunks[0], paged)
        answered = self.pool.map(lambda chunk: self._one_batch(chunk, paged), chunks)
        return [o for answers in answered for o in answers]

    def _one_batch(
        self, chunk: Sequence[tuple[str, Mapping[str, Any]]], paged: bool = False
    ) -> list[Outcome]:
        held = {i for i, (path, _) in enumerate(chunk) if self.throttle.holds(_leading(path))}
        sent = [request for i, request in enumerate(chunk) if i not in held]
        operations = [("GET", path, params) for path, params in sent]
        answers = iter(self._send_batch(operations, True, headers=True) if sent else [])
        outcomes = []
        for i, (path, params) in enumerate(chunk):
            outcome = None if i in held else self._decoded(next(answers))
            if paged and isinstance(outcome, TooMuchDataError):
                pass  # smaller pages, not the same page again
            elif outcome is None or isinstance(outcome, RetryableError):
                outcome = self._alone(path, params)  # slowed, unanswered or transient: alone
            outcomes.append(outcome)
        return outcomes

    def _alone(self, path: str, params: Mapping[str, Any]) -> Outcome:
        """One operation on its own, with retries, paced as its account's."""
        try:
            with paced_for(paced_account() or _leading(path)):
                return self.get(path, params)
        except RetryableError:
            raise
        except GraphError as exc:
            return exc

    def debug_token(self, app_token: str | None = None) -> Outcome:
        """What ``debug_token`` says of this client's token: asked as a batch operation, so the
        token travels in the request body, never in a URL. The asker is ``app_token``
        (``{app-id}|{app-secret}``) when given, else the token itself."""
        params = {"input_token": self._token}
        if app_token:
            params["access_token"] = app_token

        def ask() -> Outcome:  # never retried on its own: the token stays in bodies
            decoded = self._decoded(self._send_batch([("GET", "debug_token", params)], True)[0])
            if decoded is None or isinstance(decoded, RetryableError):
                raise decoded or TransientError("The Graph API left debug_token unanswered")
            return decoded

        return self.retry.run(ask)

    def _send_batch(
        self,
        operations: Sequence[tuple[str, str, Mapping[str, Any]]],
        resend: bool,
        *,
        headers: bool = False,
    ) -> list[Any]:
        """One batch request of ``(method, path, params)`` operations; its list of answers.

        A JSON body: cheaper to build than a form-encoded one. With ``headers``, each
        operation's headers come back, its account's usage among them (reads of many accounts
        pace each from its own).
        """
        batch = [_operation(method, path, params) for method, path, params in operations]
        url = f"{self.base_url}/{self.version}/"
        body = {"batch": batch, "include_headers": headers}
        answers = self._request("POST", url, {}, body, resend=resend)
        if not isinstance(answers, list) or len(answers) != len(operations):
            raise TransientError("The batch answer does not match the operations sent")
        return answers

    def _decoded(self, answer: Any) -> Outcome | None:
        """One operation's answer inside a batch: its body, its typed error, or ``None`` when
        it was left unanswered (``null``) or its body is not JSON."""
        if not isinstance(answer, dict):
            return None
        headers = {h["name"]: h["value"] for h in answer.get("headers") or [] if "name" in h}
        usage = parse_usage(headers)
        if headers:  # the operation's own usage: its account's pace
            self.throttle.after_response(usage)
            for listener in list(self.usage_listeners):
                listener(usage)
        try:
            body = orjson.loads(answer.get("body") or "null")
        except ValueError:
            return None
        status = int(answer.get("code") or 500)
        if status < 400 and isinstance(body, dict) and "error" not in body:
            return body
        return masked(error_from_body(status, body, usage), [self._token])

    # -- paging ----------------------------------------------------------------------------

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, cursor_only: bool = False
    ) -> Iterator[Page]:
        """Every page of an edge, following ``paging.next``.

        ``cursor_only`` edges (``/tags``, hashtag media) give cursors without links: the client
        asks again with ``after=`` until a page comes back empty.
        """
        link: str | None = path
        query = dict(params or {})
        shrink = Shrink({**_link_params(path), **query})
        for _ in range(MAX_PAGES):
            if link is None:
                return
            body = self.get_shrinking(link, query, shrink)
            page = Page(list(body.get("data") or []), dict(body.get("paging") or {}))
            yield page
            link, query = self._next(path, params or {}, page, cursor_only)
        raise TransientError(f"Stopped after {MAX_PAGES} pages: the API kept sending more")

    def get_shrinking(self, path: str, params: Mapping[str, Any], shrink: Shrink) -> dict[str, Any]:
        """GET a page; on code 1 ask again for smaller pages (``shrink``) from the same cursor.

        Other failures are retried as by :meth:`get`. Past the smallest page, code 1 is retried
        as any transient error.
        """
        while True:
            url, query = self._resolve(path, {**params, **shrink.apply()})
            try:
                body = self._request("GET", url, query, resend=True, shrinkable=shrink.can_shrink())
            except TooMuchDataError:
                if not shrink.can_shrink():
                    raise
                shrink.shrink()
                logger.info("asking for smaller pages (level %d) after code 1", shrink.level)
                continue
            if not isinstance(body, dict):
                raise TransientError("The Graph API answered with something other than an object")
            shrink.succeeded()
            return body

    @staticmethod
    def _next(
        path: str, params: Mapping[str, Any], page: Page, cursor_only: bool
    ) -> tuple[str | None, dict[str, Any]]:
        if page.paging.get("next"):
            return str(page.paging["next"]), {}
        after = (page.paging.get("cursors") or {}).get("after")
        if cursor_only and page.data and after:
            return path, {**params, "after": after}
        return None, {}

    def follow(self, edge: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        """The items of an expanded edge (``children{...}``), fetching overflow pages."""
        if not edge:
            return
        yield from edge.get("data") or []
        link = (edge.get("paging") or {}).get("next")
        if link:
            for page in self.pages(str(link)):
                yield from page.data


class PacedPool(ThreadPoolExecutor):
    """The client's pool: a task is paced for the account that submitted it (its context is
    copied), and a locked-out account waits in its own thread before handing work over, so it
    never fills the pool that other accounts' reads share."""

    def __init__(self, throttle: Throttle, workers: int) -> None:
        super().__init__(workers, thread_name_prefix="instapd")
        self._throttle = throttle

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        self._throttle.wait_out_lockout()
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def checked_path(path: str) -> str:
    """A Graph path made of ids and edge names only: an id from an answer steers no request."""
    path = path.lstrip("/")
    if not _PATH.fullmatch(path):
        raise InvalidParameterError(
            f"Refusing to request {path[:60]!r}: a Graph path is ids and edge names only. An id "
            "in an answer was malformed; check that GraphURL points at the Graph API."
        )
    return path


def _leading(path: str) -> str:
    """The node a relative path starts with: the account of an account's own operations."""
    return path.lstrip("/").split("/", 1)[0]


def _link_params(path: str) -> dict[str, str]:
    """The query of a paging link (nothing for a plain path)."""
    return dict(parse_qsl(urlsplit(path).query)) if "://" in path else {}


def _param(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


#: Parameters whose values are secrets: never kept in :func:`_quoted`'s cache.
_UNCACHED_PARAMS = frozenset({*_SECRET_PARAMS, "input_token", "client_secret"})


def _pair(key: str, value: Any) -> str:
    """``key=value`` as ``urlencode`` writes it."""
    text = _param(value)
    return f"{_quoted(key)}={quote_plus(text) if key in _UNCACHED_PARAMS else _quoted(text)}"


@lru_cache(maxsize=4096)  # keys, field lists and metrics repeat in every operation of a batch
def _quoted(text: str) -> str:
    return quote_plus(text)


def _operation(method: str, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """One operation of a batch: a GET's parameters go in its URL, a POST's in its body."""
    query = "&".join(_pair(k, v) for k, v in params.items() if v is not None)
    if method == "GET":
        return {"method": "GET", "relative_url": f"{checked_path(path)}?{query}"}
    item: dict[str, Any] = {"method": method, "relative_url": path}
    if query and method == "POST":
        item["body"] = query
    elif query:
        item["relative_url"] += "?" + query
    return item
