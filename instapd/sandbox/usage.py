"""Rate limits as Meta counts them: per app, per user, per Instagram account (BUC) and per Page.

Every call adds to the app's count; a call with a user token adds to its user's count (one count
per user, whatever app asks: Meta's user limit spans apps), a call on an account's nodes to that
account's, and a call with a Page token to that Page's. All counts run on one rolling ``window``.
A call past 100% is refused with the limit's code (4 app, 17 user, 80002 account, 32 Page) and the
lockout holds until enough calls have left the window.

Headers, as Meta reports them: ``X-App-Usage`` is the app's usage, or on a user-token call the
higher of the app's and the user's; ``X-Business-Use-Case-Usage`` has an ``instagram`` entry for
the account a call reads and a ``pages`` entry for a Page-token call's Page. Meta's
``X-App-Usage`` has no ``estimated_time_to_regain_access``, so the BUC entries carry the wait for
every lockout the call meets (minutes). Time is the sandbox's own ``clock``, so tests can move it.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _string  # json.dumps of a str, quoted

from .failures import GraphFailure
from .faults import GRAPH_FAULTS

#: The calls of a user, account or Page that has made none (never changed: only read).
_EMPTY: deque[float] = deque()
APP_LIMIT = GRAPH_FAULTS["throttle-4"]
USER_LIMIT = GRAPH_FAULTS["throttle-17"]
PAGE_LIMIT = GRAPH_FAULTS["throttle-32"]
ACCOUNT_LIMIT = GRAPH_FAULTS["throttle-80002"]


@dataclass
class Usage:
    """Calls over a rolling ``window`` (seconds): ``call_limit`` for the app, ``user_limit`` for
    each user, ``account_limit`` for each account, ``page_limit`` for each Page. ``clock`` gives
    the time in seconds. ``refused`` counts refusals, ``refused_by`` them by error code."""

    call_limit: int
    account_limit: int = 50_000
    user_limit: int = 100_000
    page_limit: int = 50_000
    window: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _calls: deque[float] = field(default_factory=deque)
    _by_account: dict[str, deque[float]] = field(default_factory=dict)
    _by_user: dict[str, deque[float]] = field(default_factory=dict)
    _by_page: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    refused_by: Counter[int] = field(default_factory=Counter)

    @property
    def refused(self) -> int:
        """Calls refused for being over a limit, whichever."""
        return sum(self.refused_by.values())

    def _buckets(
        self, account_id: str | None, user_id: str | None, page_id: str | None
    ) -> list[tuple[deque[float], int, tuple[int, int, str]]]:
        """Each count one call adds to, with its limit and its refusal."""
        found = [(self._calls, self.call_limit, APP_LIMIT)]
        for key, counts, limit, error in (
            (user_id, self._by_user, self.user_limit, USER_LIMIT),
            (account_id, self._by_account, self.account_limit, ACCOUNT_LIMIT),
            (page_id, self._by_page, self.page_limit, PAGE_LIMIT),
        ):
            if key:
                calls = counts.get(key)
                if calls is None:
                    calls = counts.setdefault(key, deque())
                found.append((calls, limit, error))
        return found

    def record(
        self, account_id: str | None, *, user_id: str | None = None, page_id: str | None = None
    ) -> None:
        """Count one call, or refuse it (code 4, 17, 80002 or 32) when a count is over."""
        with self._lock:
            now = self.clock()
            oldest = now - self.window
            buckets = self._buckets(account_id, user_id, page_id)
            for calls, limit, error in buckets:
                while calls and calls[0] <= oldest:  # _expire, inline: this runs per call
                    calls.popleft()
                if len(calls) >= limit:
                    status, code, message = error
                    self.refused_by[code] += 1
                    raise GraphFailure(code, message, status=status, transient=True)
            for calls, _, _ in buckets:
                calls.append(now)

    def percent(self, calls: deque[float], limit: int) -> int:
        return self._load(calls, limit, self.clock())[0]

    def regain_minutes(self, calls: deque[float], limit: int) -> int:
        """Minutes until a call would be accepted again (0 when under the limit)."""
        return self._load(calls, limit, self.clock())[1]

    def _load(self, calls: deque[float], limit: int, now: float) -> tuple[int, int]:
        return _load(calls, limit, now, self.window)

    def headers(
        self,
        account_id: str | None,
        throttled: bool,
        regain: int,
        *,
        user_id: str | None = None,
        page_id: str | None = None,
    ) -> dict[str, str]:
        """The usage headers of one call's answer; ``throttled`` (an injected throttle fault)
        reports 100% and ``regain`` minutes."""
        figures = self.figures(account_id, throttled, regain, user_id=user_id, page_id=page_id)
        return dict(headers_of(figures))

    def figures(
        self,
        account_id: str | None,
        throttled: bool,
        regain: int,
        *,
        user_id: str | None = None,
        page_id: str | None = None,
    ) -> Figures:
        """What one call's usage headers say, as :func:`headers_of` takes it: the app's
        percent, each entry's (key, kind, percent), and the wait in minutes. Many calls share
        them (they change by the percent), so their text is written once per figures."""
        with self._lock:
            now, window = self.clock(), self.window
            app, wait = _load(self._calls, self.call_limit, now, window)
            if throttled:
                app, wait = 100, max(wait, regain)
            if user_id:  # a user-token call: X-App-Usage reports the user's usage too
                calls = self._by_user.get(user_id, _EMPTY)
                user, user_wait = _load(calls, self.user_limit, now, window)
                app, wait = max(app, user), max(wait, user_wait)
            entries: list[tuple[str, str, int]] = []
            if account_id:
                calls = self._by_account.get(account_id, _EMPTY)
                pct, key_wait = _load(calls, self.account_limit, now, window)
                wait = max(wait, key_wait)
                entries.append((account_id, "instagram", 100 if throttled else pct))
            if page_id:
                calls = self._by_page.get(page_id, _EMPTY)
                pct, key_wait = _load(calls, self.page_limit, now, window)
                wait = max(wait, key_wait)
                if page_id == account_id:  # one entry per key, the later kind (a dict's update)
                    entries.pop()
                entries.append((page_id, "pages", 100 if throttled else pct))
            return app, tuple(entries), wait


def _load(calls: deque[float], limit: int, now: float, window: float) -> tuple[int, int]:
    """A count's percent of ``limit`` at ``now`` (its calls older than ``window`` dropped), and
    the minutes until a call would be accepted again (0 when under the limit)."""
    oldest = now - window
    while calls and calls[0] <= oldest:
        calls.popleft()
    count = len(calls)
    percent = min(100, count * 100 // max(limit, 1))
    if count < limit:
        return percent, 0
    frees = calls[count - limit] + window  # when the count drops below the limit
    return percent, max(1, math.ceil((frees - now) / 60))


#: :meth:`Usage.figures`: the app's percent, each entry's (key, kind, percent), the wait.
Figures = tuple[int, tuple[tuple[str, str, int], ...], int]


@functools.lru_cache(maxsize=4096)
def headers_of(figures: Figures) -> tuple[tuple[str, str], ...]:
    """The usage headers that ``figures`` say (name, value), written as ``json.dumps`` writes
    their dicts (", " and ": "), without its cost per call."""
    app, entries, wait = figures
    headers = [
        (
            "X-App-Usage",
            f'{{"call_count": {app}, "total_time": {app // 2}, "total_cputime": {app // 3}}}',
        )
    ]
    if entries:
        written = ", ".join(_entry(key, kind, pct, wait) for key, kind, pct in entries)
        headers.append(("X-Business-Use-Case-Usage", "{" + written + "}"))
    return tuple(headers)


def _entry(key: str, kind: str, pct: int, wait: int) -> str:
    """One ``X-Business-Use-Case-Usage`` entry: its key (an id) and its one-item list."""
    return (
        f'{_string(key)}: [{{"type": "{kind}", "call_count": {pct}, '
        f'"total_cputime": {pct // 3}, "total_time": {pct // 2}, '
        f'"estimated_time_to_regain_access": {wait}}}]'
    )
