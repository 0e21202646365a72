"""Slow down before Meta does: pace requests from the usage headers, wait out lockouts.

Every response's ``X-App-Usage`` says how close the app is to its limit, and
``X-Business-Use-Case-Usage`` how close each Instagram account is to its own (percent). Past
``slow_from`` percent a request waits a little, growing to ``max_delay`` at 100%;
``estimated_time_to_regain_access`` holds requests until then, so a throttled account is never
hammered. The app's usage paces every request; an account's paces only the requests for that
account, so one busy account never slows the others. A request is for the account named by
:func:`paced_for` (the readers set it), else for its path's leading id. ``sleep`` and ``clock``
can be injected together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from .usage import Usage

WaitListener = Callable[[float, str], None]

_ACCOUNT: ContextVar[str | None] = ContextVar("instapd_paced_account", default=None)
_T = TypeVar("_T")


@contextmanager
def paced_for(account: str | None) -> Iterator[None]:
    """Requests sent inside (and by pool tasks submitted inside) are paced as ``account``'s."""
    token = _ACCOUNT.set(account)
    try:
        yield
    finally:
        _ACCOUNT.reset(token)


def step_paced(rows: Iterator[_T], account: str | None) -> _T | None:
    """The next of ``rows`` (``None`` at the end), its requests paced as ``account``'s: what
    ``with paced_for(account): next(rows, None)`` does, without a context manager per row."""
    token = _ACCOUNT.set(account)
    try:
        return next(rows, None)
    finally:
        _ACCOUNT.reset(token)


def paced_account() -> str | None:
    """The account :func:`paced_for` named here, if any."""
    return _ACCOUNT.get()


@dataclass
class _Pace:
    delay: float = 0.0
    blocked_until: float = 0.0


class Throttle:
    def __init__(
        self,
        *,
        slow_from: int = 75,
        max_delay: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.slow_from, self.max_delay = slow_from, max_delay
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._app = _Pace()
        self._accounts: dict[str, _Pace] = {}  # only accounts that are slowed or locked out
        self.waited = 0.0  # seconds spent waiting, in all
        self.listeners: list[WaitListener] = []

    def before_request(self, account: str | None = None) -> None:
        """Wait as the app's usage and ``account``'s (default: :func:`paced_account`) ask."""
        self._wait(account, delays=True)

    def wait_out_lockout(self, account: str | None = None) -> None:
        """Wait only while the app or ``account`` is locked out (before handing work to a pool,
        so a locked-out account holds its own thread rather than the shared pool's)."""
        self._wait(account, delays=False)

    def holds(self, account: str | None) -> bool:
        """Whether ``account`` is slowed or locked out just now: a batch sends its operations
        on their own (each paced as its account's), so it never holds up the others'."""
        if not account:
            return False
        with self._lock:
            pace = self._accounts.get(account)
            return pace is not None and (pace.delay > 0 or pace.blocked_until > self._clock())

    def _wait(self, account: str | None, *, delays: bool) -> None:
        key = account or paced_account()
        with self._lock:
            now = self._clock()
            paces = [self._app] + ([self._accounts[key]] if key in self._accounts else [])
            blocked = max(p.blocked_until for p in paces)
            delay = max(p.delay for p in paces) if delays else 0.0
            wait = max(blocked - now, delay, 0.0)
            reason = "regaining access" if blocked > now else "usage"
            self.waited += wait
        if wait > 0:
            for listener in list(self.listeners):
                listener(wait, reason)
            self._sleep(wait)

    def after_response(self, usage: Usage) -> None:
        """Take in one response's usage: the app's, and each account its BUC header names."""
        with self._lock:
            now = self._clock()
            self._app.delay = self._delay(usage.app_percent)
            for account, used in usage.accounts.items():
                pace = self._accounts.setdefault(account, _Pace())
                pace.delay = self._delay(used.percent)
                if used.regain_seconds:
                    pace.blocked_until = max(pace.blocked_until, now + used.regain_seconds)
                if not pace.delay and pace.blocked_until <= now:
                    del self._accounts[account]  # nothing to remember: memory stays flat

    def _delay(self, percent: int) -> float:
        over = max(percent - self.slow_from, 0) / (100 - self.slow_from)
        return self.max_delay * min(over, 1.0) ** 2
