"""Slow down before Meta does: pace requests from the usage headers, wait out lockouts.

Every response's ``X-App-Usage`` / ``X-Business-Use-Case-Usage`` say how close the app and the
account are to their limits (percent). Past ``slow_from`` percent each request waits a little,
growing to ``max_delay`` at 100%; ``estimated_time_to_regain_access`` holds every request until
then, so a throttled account is never hammered. ``sleep`` and ``clock`` can be injected together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .usage import Usage

WaitListener = Callable[[float, str], None]


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
        self._blocked_until = 0.0
        self._delay = 0.0
        self.waited = 0.0  # seconds spent waiting, in all
        self.listeners: list[WaitListener] = []

    def before_request(self) -> None:
        with self._lock:
            wait = max(self._blocked_until - self._clock(), self._delay, 0.0)
            reason = "regaining access" if self._blocked_until > self._clock() else "usage"
            self.waited += wait
        if wait > 0:
            for listener in list(self.listeners):
                listener(wait, reason)
            self._sleep(wait)

    def after_response(self, usage: Usage) -> None:
        with self._lock:
            over = max(usage.percent - self.slow_from, 0) / (100 - self.slow_from)
            self._delay = self.max_delay * min(over, 1.0) ** 2
            if usage.regain_seconds:
                self._blocked_until = max(self._blocked_until, self._clock() + usage.regain_seconds)
