"""Rate limits as Meta counts them: per app and per Instagram account (BUC), on a rolling window.

Every call adds to the app's count and to its account's; the usage headers report both as
percentages. A call past 100% is refused (code 4 for the app, 80002 for the account) and the
lockout holds until enough calls have left the window, which the BUC header reports as
``estimated_time_to_regain_access`` (minutes). Time is the sandbox's own ``clock``, so tests can
move it.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from .failures import GraphFailure

APP_LIMIT = (
    400,
    4,
    "(#4) Application request limit reached",
)
ACCOUNT_LIMIT = (
    400,
    80002,
    "(#80002) There have been too many calls to this Instagram account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
)


@dataclass
class Usage:
    """Calls over a rolling ``window`` (seconds): ``call_limit`` for the app, ``account_limit``
    for each account. ``clock`` gives the time in seconds."""

    call_limit: int
    account_limit: int = 50_000
    window: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _calls: deque[float] = field(default_factory=deque)
    _by_account: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    refused: int = 0  # calls refused for being over a limit

    def record(self, account_id: str | None) -> None:
        """Count one call, or refuse it (code 4 or 80002) when the app or account is over."""
        with self._lock:
            now = self.clock()
            self._check(self._calls, self.call_limit, now, APP_LIMIT)
            if account_id:
                calls = self._by_account.setdefault(account_id, deque())
                self._check(calls, self.account_limit, now, ACCOUNT_LIMIT)
            self._calls.append(now)
            if account_id:
                self._by_account[account_id].append(now)

    def _check(
        self, calls: deque[float], limit: int, now: float, error: tuple[int, int, str]
    ) -> None:
        self._expire(calls, now)
        if len(calls) >= limit:
            self.refused += 1
            status, code, message = error
            raise GraphFailure(code, message, status=status, transient=True)

    def _expire(self, calls: deque[float], now: float) -> None:
        while calls and calls[0] <= now - self.window:
            calls.popleft()

    def percent(self, calls: deque[float], limit: int) -> int:
        self._expire(calls, self.clock())
        return min(100, len(calls) * 100 // max(limit, 1))

    def regain_minutes(self, calls: deque[float], limit: int) -> int:
        """Minutes until a call would be accepted again (0 when under the limit)."""
        now = self.clock()
        self._expire(calls, now)
        if len(calls) < limit:
            return 0
        frees = calls[len(calls) - limit] + self.window  # when the count drops below the limit
        return max(1, math.ceil((frees - now) / 60))

    def headers(self, account_id: str | None, throttled: bool, regain: int) -> dict[str, str]:
        with self._lock:
            app = 100 if throttled else self.percent(self._calls, self.call_limit)
            app_regain = self.regain_minutes(self._calls, self.call_limit)
            headers = {
                "X-App-Usage": json.dumps(
                    {"call_count": app, "total_time": app // 2, "total_cputime": app // 3}
                )
            }
            if account_id:
                calls = self._by_account.get(account_id, deque())
                pct = 100 if throttled else self.percent(calls, self.account_limit)
                wait = max(regain if throttled else 0, app_regain)
                wait = max(wait, self.regain_minutes(calls, self.account_limit))
                entry = {
                    "type": "instagram",
                    "call_count": pct,
                    "total_cputime": pct // 3,
                    "total_time": pct // 2,
                    "estimated_time_to_regain_access": wait,
                }
                headers["X-Business-Use-Case-Usage"] = json.dumps({account_id: [entry]})
            return headers
