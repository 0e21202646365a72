"""Call counting for Meta's usage headers: ``X-App-Usage`` and ``X-Business-Use-Case-Usage``."""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class Usage:
    """Call counts over a rolling hour, reported as percentages like Meta's usage headers."""

    call_limit: int
    _calls: deque[float] = field(default_factory=deque)
    _by_account: dict[str, deque[float]] = field(default_factory=dict)

    def record(self, account_id: str | None) -> None:
        now = time.monotonic()
        self._calls.append(now)
        if account_id:
            self._by_account.setdefault(account_id, deque()).append(now)

    def percent(self, calls: deque[float]) -> int:
        cutoff = time.monotonic() - 3600
        while calls and calls[0] < cutoff:
            calls.popleft()
        return min(100, len(calls) * 100 // self.call_limit)

    def headers(self, account_id: str | None, throttled: bool, regain: int) -> dict[str, str]:
        app = 100 if throttled else self.percent(self._calls)
        headers = {
            "X-App-Usage": json.dumps(
                {"call_count": app, "total_time": app // 2, "total_cputime": app // 3}
            )
        }
        if account_id:
            pct = 100 if throttled else self.percent(self._by_account.get(account_id, deque()))
            entry = {
                "type": "instagram",
                "call_count": pct,
                "total_cputime": pct // 3,
                "total_time": pct // 2,
                "estimated_time_to_regain_access": regain if throttled else 0,
            }
            headers["X-Business-Use-Case-Usage"] = json.dumps({account_id: [entry]})
        return headers
