"""The one way instapd sends HTTP: every Graph request, upload and login step goes through
:meth:`Sender.send`.

One send, in order: the ``appsecret_proof`` is added for a request that carries a token (a
query parameter, or a form field when the body is a form); the token goes in the
``Authorization`` header, never in a URL; the request is paced (:class:`.Throttle`), counted and
sent streamed; the body is read up to ``max_body`` bytes (:func:`read_capped`) and decoded as
JSON; the usage headers are read; then the answer is classified: a network failure becomes a
:class:`TransientError` and a bad URL a :class:`UsageError`, both raised with no
``__context__`` (a requests exception's text holds the URL, proof included), and an error body
becomes the typed :class:`GraphError` of its code, with any secret masked out of its message.

Whether to send again is not decided here: :class:`RetryPolicy` retries what is safe to resend
(reads, and batches of reads), and :meth:`Sender.renewing` sends once more after renewing a
refused token. Writes are sent once: a lost answer is raised for the caller to check.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import IO, Any, TypeVar

import orjson
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
    NetworkError,
    ResponseTooLargeError,
    RetryableError,
    TooMuchDataError,
    UsageError,
)
from . import redact
from .errors import error_from_body
from .throttle import Throttle
from .usage import Usage, parse_usage

logger = logging.getLogger("instapd.graph")
_T = TypeVar("_T")

#: The largest answer read, in bytes: far above any real page, far below a memory problem.
MAX_BODY = 64_000_000
redact.install()


def appsecret_proof(app_secret: str, token: str) -> str:
    """HMAC-SHA256 of the token keyed with the app secret, as Meta defines it."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


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

    def run(self, send: Callable[[], _T], *, shrinkable: bool = False) -> _T:
        """``send()``, tried again while it fails in a way worth retrying."""
        for attempt in self.retrying(shrinkable=shrinkable):
            with attempt:
                return send()
        raise AssertionError("unreachable")  # pragma: no cover - reraise=True always raises


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    logger.info("retrying in %.2f s after %s", wait, type(exc).__name__)


@dataclass(frozen=True)
class Answer:
    """A decoded answer: its status, its JSON body (``None`` when empty), and its headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)


class Sender:
    """Sends requests over one ``requests.Session``; see the module docstring for the steps.

    ``where`` names the far end in errors ("the Graph API", "Facebook Login"). ``throttle``
    paces each request when given. ``requests_made``, ``last_usage`` and ``server_date`` are
    updated by every send; each of ``listeners`` is called after each answer.
    """

    def __init__(
        self,
        *,
        session: requests.Session,
        timeout: float,
        max_body: int = MAX_BODY,
        app_secret: str | None = None,
        where: str = "the Graph API",
        throttle: Throttle | None = None,
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.max_body = max_body
        self.where = where
        self.throttle = throttle
        self._app_secret = app_secret
        self._proofs: dict[str, str] = {}
        self._lock = threading.Lock()
        self._renew_lock = threading.Lock()
        self.requests_made = 0
        self.listeners: list[Callable[[], None]] = []
        self.last_usage = Usage()
        self.server_date: str | None = None
        #: How far the API's clock (its last ``Date``) is ahead of this machine's.
        self.clock_offset = timedelta(0)

    def __repr__(self) -> str:
        return f"<Sender {self.where}>"

    def proof(self, token: str) -> str | None:
        """The token's ``appsecret_proof``, when an app secret is known."""
        if not self._app_secret:
            return None
        with self._lock:
            if token not in self._proofs:
                self._proofs = {token: appsecret_proof(self._app_secret, token)}
            return self._proofs[token]

    def send(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        proof_of: str | None = None,
        auth_scheme: str = "Bearer",
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        data: IO[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        account: str | None = None,
        where: str | None = None,
    ) -> Answer:
        """Send once and classify the answer (see the module docstring); an error answer
        raises its typed :class:`GraphError`. ``token`` goes in the ``Authorization`` header;
        ``proof_of`` is a token that travels in the form instead (only its proof is added).
        ``account`` is whom the throttle paces; ``where`` names the far end when it is not
        this sender's usual one."""
        where = where or self.where
        query, fields = dict(params or {}), dict(form) if form is not None else None
        sent_headers = dict(headers or {})
        secrets = [s for s in (token, proof_of, self._app_secret) if s]
        if token:
            sent_headers["Authorization"] = f"{auth_scheme} {token}"
        if token or proof_of:
            proof = self.proof(token or proof_of or "")
            if proof:
                (fields if fields is not None else query)["appsecret_proof"] = proof
                secrets.append(proof)
        if self.throttle is not None:
            self.throttle.before_request(account)
        with self._lock:
            self.requests_made += 1
        logger.debug("%s %s", method, redact.redact(url))
        failure: str | None = None
        try:
            response = self.session.request(
                method,
                url,
                params=query,
                json=json_body,
                data=fields if fields is not None else data,
                headers=sent_headers,
                timeout=self.timeout,
                stream=True,
            )
            content = read_capped(response, self.max_body, where)
            body = orjson.loads(content) if content else None  # 3x json's speed: rows are big
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ):
            failure = "url"
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            ValueError,  # unparseable JSON
        ) as exc:
            failure = type(exc).__name__
        # raised outside the handlers: requests' own exceptions (their text holds the URL and
        # its appsecret_proof) must not ride along as __context__
        if failure == "url":
            raise UsageError(
                f"{url.split('?')[0]!r} is not a usable URL for {where}; set GraphURL to "
                "https://graph.facebook.com (or a sandbox's http://127.0.0.1:PORT)."
            )
        if failure is not None:
            raise NetworkError(f"{failure} talking to {where}")
        answer = Answer(response.status_code, body, response.headers, parse_usage(response.headers))
        self.last_usage = answer.usage
        date = response.headers.get("Date")
        if date:
            self.server_date = date
            self.clock_offset = _offset(date, self.clock_offset)
        if self.throttle is not None:
            self.throttle.after_response(answer.usage)
        for listener in list(self.listeners):
            listener()
        if answer.status >= 400 or (isinstance(body, dict) and "error" in body):
            raise masked(error_from_body(answer.status, body, answer.usage), secrets)
        return answer

    def renewing(
        self, send: Callable[[], _T], current: Callable[[], str], renew: Callable[[], None] | None
    ) -> _T:
        """``send()``; if the token is refused and ``renew`` is given, renew it (once, however
        many requests in flight saw the refusal) and ``send()`` again. Meta applied nothing
        with a refused token, so this is safe for writes too."""
        used = current()
        try:
            return send()
        except AuthError:  # expired, revoked or logged out: a new token may do
            if renew is None:
                raise
            with self._renew_lock:
                if current() == used:
                    logger.info("the API refused the token; renewing it and going on")
                    renew()
            return send()


def masked(error: GraphError, secrets: list[str]) -> GraphError:
    """``error`` with no secret in its message: the API never should echo one, but make sure."""
    message = redact.redact(error.message)
    for secret in secrets:
        message = message.replace(secret, "***")
    if message != error.message:
        error.message = message
        error.args = (message,)
    return error


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


def pooled_session(size: int) -> requests.Session:
    """A session whose connection pool fits the concurrency, so threads reuse connections
    (room for a widened client and a snapshot's workers: connections open only when needed)."""
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=size, pool_maxsize=max(size * 2, 64))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _offset(date: str, before: timedelta) -> timedelta:
    """The API's clock minus this machine's, from a ``Date`` header (``before`` if unreadable).
    ``Date`` has whole seconds: an offset under 2 s is this machine's rounding, taken as none."""
    try:
        offset = parsedate_to_datetime(date).astimezone(UTC) - datetime.now(UTC)
    except (TypeError, ValueError):
        return before
    return offset if abs(offset) >= timedelta(seconds=2) else timedelta(0)
