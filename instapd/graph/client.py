"""The Graph API client: one ``requests.Session``, bounded retries, cursor paging.

The token travels in the ``Authorization`` header, never in a URL, so nothing that logs URLs
(urllib3 at DEBUG, proxies) can see it. Paging links from the API echo the token; the client
drops it and re-issues the link against its own base URL.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ..errors import (
    AuthError,
    GraphError,
    InvalidParameterError,
    ResponseTooLargeError,
    RetryableError,
    TooMuchDataError,
    TransientError,
    UsageError,
)
from ..validation import secure_url
from . import redact
from .errors import error_from_body
from .shrink import Shrink
from .throttle import Throttle, paced_account, paced_for
from .usage import Usage, parse_usage

logger = logging.getLogger("instapd.graph")
_T = TypeVar("_T")

_SECRET_PARAMS = ("access_token", "appsecret_proof")
_PATH = re.compile(r"[A-Za-z0-9_]+(?:/[A-Za-z0-9_]+)*/?")
#: The largest answer read, in bytes: far above any real page, far below a memory problem.
MAX_BODY = 64_000_000
redact.install()
#: Never page further than this in one read: a guard against an API that loops.
MAX_PAGES = 100_000
#: Operations per batch request, Meta's limit.
MAX_BATCH = 50
#: Meta's host for resumable video uploads.
UPLOAD_HOST = "rupload.facebook.com"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, exponential backoff with jitter, longest wait.

    A throttle that asks for a longer wait than ``max_wait`` is raised at once rather than slept.
    """

    attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_wait: float = 300.0
    sleep: Callable[[float], None] = time.sleep

    def retrying(self, *, shrinkable: bool = False) -> Retrying:
        """Tenacity's loop; with ``shrinkable``, code 1 is left to the caller to shrink."""
        backoff = wait_exponential_jitter(
            multiplier=self.backoff_initial, max=self.backoff_max, jitter=self.backoff_initial
        )

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if getattr(exc, "retry_after", None):
                return 0.0  # the throttle holds every request until access returns
            return float(backoff(state))

        def worth_retrying(exc: BaseException) -> bool:
            if shrinkable and isinstance(exc, TooMuchDataError):
                return False  # the same request would fail again: the caller asks for less
            return isinstance(exc, RetryableError) and (exc.retry_after or 0) <= self.max_wait

        return Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            retry=retry_if_exception(worth_retrying),
            before_sleep=_log_retry,
            reraise=True,
            sleep=self.sleep,
        )


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    logger.info("retrying in %.2f s after %s", wait, type(exc).__name__)


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
        self.max_body = max_body
        self.version = version
        self._app_secret = app_secret
        self._set_token(access_token)
        self._renew_token = renew_token
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.throttle = throttle or Throttle()
        self.concurrency = max(1, concurrency)
        self._session = session or _pooled_session(self.concurrency)
        self._owns_session = session is None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._renew_lock = threading.Lock()
        self.requests_made = 0
        self.request_listeners: list[Callable[[], None]] = []  # told after each request
        self.usage_listeners: list[Callable[[Usage], None]] = []  # each answer's usage headers
        self.last_usage = Usage()
        self.server_date: str | None = None  # the API's clock, from the last answer's Date

    def __repr__(self) -> str:
        return f"<GraphClient {self.base_url} {self.version} token=***>"

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._owns_session:
            self._session.close()

    def _set_token(self, token: str) -> None:
        self._token = token
        secret = self._app_secret
        self._proof = (
            hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            if secret
            else None
        )

    @property
    def pool(self) -> ThreadPoolExecutor:
        """The small bounded pool that independent requests share."""
        with self._lock:
            if self._pool is None:
                self._pool = PacedPool(self.throttle, self.concurrency)
            return self._pool

    # -- single requests -------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """GET ``/{version}/{path}`` (or a paging link), retried; returns the decoded body."""
        url, query = self._resolve(path, params or {})
        body = self._retried("GET", url, query)
        if not isinstance(body, dict):
            raise TransientError("The Graph API answered with something other than an object")
        return body

    def _retried(
        self,
        method: str,
        url: str,
        query: dict[str, str],
        body: dict[str, Any] | None = None,
        *,
        shrinkable: bool = False,
    ) -> Any:
        token_used = self._token
        try:
            return self._attempts(method, url, query, body, shrinkable)
        except AuthError:  # expired, revoked or logged out: a new token may do
            if self._renew_token is None:
                raise
            with self._renew_lock:  # requests in flight all see the expiry; renew once
                if self._token == token_used:
                    logger.info("the API refused the token; renewing it and going on")
                    self._set_token(self._renew_token())
            return self._attempts(method, url, query, body, shrinkable)

    def _attempts(
        self,
        method: str,
        url: str,
        query: dict[str, str],
        body: dict[str, Any] | None,
        shrinkable: bool = False,
    ) -> Any:
        for attempt in self.retry.retrying(shrinkable=shrinkable):
            with attempt:
                return self._send(method, url, query, body)
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True always raises

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

    def _send(
        self, method: str, url: str, query: dict[str, str], body: dict[str, Any] | None = None
    ) -> Any:
        if self._proof:
            query = {**query, "appsecret_proof": self._proof}
        headers = {"Authorization": f"Bearer {self._token}"}
        self.throttle.before_request(paced_account() or self._leading_id(url))
        with self._lock:
            self.requests_made += 1
        logger.debug("%s %s", method, url.removeprefix(self.base_url))
        try:
            response = self._session.request(
                method,
                url,
                params=query,
                json=body,
                headers=headers,
                timeout=self.timeout,
                stream=True,
            )
            content = read_capped(response, self.max_body, "the Graph API")
            body = json.loads(content) if content else None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ):
            raise UsageError(
                f"GraphURL {self.base_url!r} is not a usable URL; set it to "
                "https://graph.facebook.com (or a sandbox's http://127.0.0.1:PORT)."
            ) from None
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            ValueError,
        ) as exc:
            # dropped connections, cut-off bodies (ChunkedEncodingError), unparseable JSON
            raise TransientError(f"{type(exc).__name__} talking to the Graph API") from None
        self.last_usage = parse_usage(response.headers)
        self.server_date = response.headers.get("Date") or self.server_date
        self._took_usage(self.last_usage)
        for listener in list(self.request_listeners):
            listener()
        if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            raise self._redacted(error_from_body(response.status_code, body, self.last_usage))
        return body

    def _took_usage(self, usage: Usage) -> None:
        self.throttle.after_response(usage)
        for listener in list(self.usage_listeners):
            listener(usage)

    def _leading_id(self, url: str) -> str | None:
        """The node a request's path starts with (``/{version}/{id}/...``): its account, when
        the request is for an account's own node and no reader named one."""
        head = urlsplit(url).path.split("/")
        return head[2] if len(head) > 2 and head[2] else None

    def _redacted(self, error: GraphError) -> GraphError:
        """The API never should, but make sure no message carries our token."""
        if self._token in error.message:
            error.message = error.message.replace(self._token, "***")
            error.args = (error.message,)
        return error

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
        body = self._once(method, url, query, None)
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
        batch = []
        for op in operations:
            item: dict[str, Any] = {"method": op.method, "relative_url": op.path}
            if op.params and op.method == "POST":
                item["body"] = urlencode({k: _param(v) for k, v in op.params.items()})
            elif op.params:
                item["relative_url"] += "?" + urlencode(
                    {k: _param(v) for k, v in op.params.items()}
                )
            batch.append(item)
        url = f"{self.base_url}/{self.version}/"
        answers = self._once("POST", url, {}, {"batch": batch, "include_headers": False})
        if not isinstance(answers, list) or len(answers) != len(operations):
            raise TransientError("The batch answer does not match the operations sent")
        return [self._write_outcome(answer) for answer in answers]

    def _once(
        self, method: str, url: str, query: dict[str, str], body: dict[str, Any] | None
    ) -> Any:
        token_used = self._token
        try:
            return self._send(method, url, query, body)
        except AuthError:  # expired, revoked or logged out: a new token may do
            if self._renew_token is None:
                raise
            with self._renew_lock:
                if self._token == token_used:
                    self._set_token(self._renew_token())
            return self._send(method, url, query, body)

    def _write_outcome(self, answer: Any) -> Outcome | None:
        if not isinstance(answer, dict):
            return None
        try:
            body = json.loads(answer.get("body") or "null")
        except ValueError:
            return None
        status = int(answer.get("code") or 500)
        if status < 400 and isinstance(body, dict) and "error" not in body:
            return body
        error = self._redacted(error_from_body(status, body, Usage()))
        if isinstance(error, TransientError):
            return None  # a server error after sending: it may have been applied
        return error

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
            "Authorization": f"OAuth {self._token}",
            "offset": "0",
            "file_size": str(path.stat().st_size),
            "Content-Type": "application/octet-stream",
        }
        self.throttle.before_request()
        with self._lock:
            self.requests_made += 1
        try:
            with path.open("rb") as data:
                response = self._session.post(
                    uri, data=data, headers=headers, timeout=self.timeout, stream=True
                )
            content = read_capped(response, self.max_body, "the upload host")
            body = json.loads(content) if content else None
        except (requests.ConnectionError, requests.Timeout, ValueError) as exc:
            raise TransientError(f"{type(exc).__name__} uploading to Meta") from None
        if response.status_code >= 400 or not isinstance(body, dict) or "error" in body:
            raise self._redacted(error_from_body(response.status_code, body, Usage()))
        return body

    # -- batch -----------------------------------------------------------------------------

    def batch(self, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Outcome]:
        """GET many paths in batch requests of up to 50 operations each.

        Each outcome is the decoded body, or the :class:`GraphError` that operation ended with.
        An operation the batch left unanswered (``null``) or that failed transiently is retried
        on its own, so one bad operation never fails its neighbours. Operations may be for many
        accounts: each operation's own usage headers pace its account, and an operation for an
        account the throttle is slowing is sent on its own, paced as that account's.
        """
        chunks = [requests[i : i + MAX_BATCH] for i in range(0, len(requests), MAX_BATCH)]
        if len(chunks) == 1:
            return self._one_batch(chunks[0])
        return [o for answers in self.pool.map(self._one_batch, chunks) for o in answers]

    def _one_batch(self, chunk: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Outcome]:
        held = {i for i, (path, _) in enumerate(chunk) if self.throttle.holds(_leading(path))}
        sent = [request for i, request in enumerate(chunk) if i not in held]
        answers = self._batch_answers(sent) if sent else []
        outcomes = iter(
            self._outcome(answer, path, params)
            for answer, (path, params) in zip(answers, sent, strict=True)
        )
        return [
            self._alone(path, params) if i in held else next(outcomes)
            for i, (path, params) in enumerate(chunk)
        ]

    def _batch_answers(self, chunk: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Any]:
        operations = []
        for path, params in chunk:
            query = urlencode({k: _param(v) for k, v in params.items() if v is not None})
            operations.append({"method": "GET", "relative_url": f"{checked_path(path)}?{query}"})
        url = f"{self.base_url}/{self.version}/"
        # a JSON body: cheaper to build than a form-encoded one; each operation's headers carry
        # its account's usage (X-Business-Use-Case-Usage), which paces that account
        answers = self._retried("POST", url, {}, {"batch": operations, "include_headers": True})
        if not isinstance(answers, list) or len(answers) != len(chunk):
            raise TransientError("The batch answer does not match the operations sent")
        return answers

    def _outcome(self, answer: Any, path: str, params: Mapping[str, Any]) -> Outcome:
        decoded = self._decoded(answer)
        return self._alone(path, params) if decoded is None else decoded

    def _decoded(self, answer: Any) -> Outcome | None:
        """One operation's answer; None when it was left unanswered or failed transiently."""
        if not isinstance(answer, dict):
            return None
        headers = {h["name"]: h["value"] for h in answer.get("headers") or [] if "name" in h}
        usage = parse_usage(headers)
        if headers:
            self._took_usage(usage)
        try:
            body = json.loads(answer.get("body") or "null")
        except ValueError:
            body = None
        status = int(answer.get("code") or 500)
        if status < 400 and isinstance(body, dict) and "error" not in body:
            return body
        error = self._redacted(error_from_body(status, body, usage))
        return None if isinstance(error, RetryableError) else error

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
        for attempt in self.retry.retrying():  # never retried alone: the token stays in bodies
            with attempt:
                decoded = self._decoded(self._batch_answers([("debug_token", params)])[0])
                if decoded is None:
                    raise TransientError("The Graph API left debug_token unanswered")
                return decoded
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True always raises

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
                body = self._retried("GET", url, query, shrinkable=shrink.can_shrink())
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


def read_capped(response: requests.Response, limit: int, where: str) -> bytes:
    """The body of a streamed response, or :class:`ResponseTooLargeError` past ``limit``."""
    with response:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLargeError(limit, where)
        chunks, size = [], 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLargeError(limit, where)
            chunks.append(chunk)
        return b"".join(chunks)


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


def _pooled_session(size: int) -> requests.Session:
    """A session whose connection pool fits the concurrency, so threads reuse connections."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=size, pool_maxsize=size * 2)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
