"""The sandbox's one clock: real time plus an offset that :meth:`Sandbox.advance` moves forward;
a frozen clock (``Sandbox(frozen=True)``) stands at the seeding time and moves only by the offset.

Every part of the sandbox that keeps time reads this clock (the dataset holds it): insights,
publishing containers and quota, story expiry, and the rate-limit windows.

Advancing the clock ages the data as Instagram would: stories older than 24 hours leave the
``stories`` edge, and media insights grow with the hours since posting (a lifetime metric
approaches its final value along ``1 - exp(-hours / 36)``). Media values are exactly what the
seeded dataset gives until the clock is advanced. The newest two days of account insights still
come in as real time passes (as Meta revises them), so two reads of a running clock seconds apart
may differ; on a frozen clock every value stays put until :meth:`Sandbox.advance`.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

STORY_LIFETIME = timedelta(hours=24)
GROWTH_HOURS = 36.0


def _reached(hours: float) -> float:
    """The share of its final value a post reaches ``hours`` after posting."""
    return 1.0 - math.exp(-(max(hours, 0.0) + 1.0) / GROWTH_HOURS)


class Clock:
    """``now()`` is real time plus ``offset``; ``started`` anchors the seeded data's ages.

    ``frozen``: ``now()`` is ``started`` plus ``offset``, whatever the real time.
    """

    def __init__(self, started: datetime, *, frozen: bool = False) -> None:
        self.started = started
        self.frozen = frozen
        self.offset = timedelta(0)
        self._born: dict[str, timedelta] = {}  # media published here: the offset at the time
        self._lock = threading.Lock()

    def now(self) -> datetime:
        if self.frozen:
            return self.started.replace(microsecond=0) + self.offset
        return datetime.now(UTC).replace(microsecond=0) + self.offset

    def time(self) -> float:
        """:meth:`now` in seconds since the epoch, to the microsecond."""
        real = self.started.timestamp() if self.frozen else time.time()
        return real + self.offset.total_seconds()

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("The sandbox clock only moves forward; pass a positive duration.")
        with self._lock:
            self.offset += delta

    def born(self, media_id: str) -> None:
        """A post published now: its growth starts from zero at the current offset."""
        with self._lock:
            self._born[media_id] = self.offset

    def grown(self, media_id: str, posted: datetime | None, value: int) -> int:
        """``value`` (a media metric at seeding or publishing) after the clock's advance."""
        if media_id in self._born:
            first_age, extra = 0.0, self.offset - self._born[media_id]
        elif isinstance(posted, datetime) and self.offset:
            first_age, extra = (self.started - posted).total_seconds() / 3600, self.offset
        else:
            return value
        if not extra:
            return value
        hours = first_age + extra.total_seconds() / 3600
        return round(value * _reached(hours) / _reached(first_age))
