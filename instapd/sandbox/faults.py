"""Latency and fault injection for the sandbox: scheduled or random, deterministic by seed."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

#: Fault kinds and the Graph error each produces: (HTTP status, code, message).
GRAPH_FAULTS: dict[str, tuple[int, int, str]] = {
    "error-1": (500, 1, "An unknown error occurred"),
    "error-2": (500, 2, "An unexpected error has occurred. Please retry your request later."),
    "throttle-4": (400, 4, "(#4) Application request limit reached"),
    "throttle-17": (400, 17, "(#17) User request limit reached"),
    "throttle-32": (400, 32, "(#32) Page request limit reached"),
    "throttle-613": (400, 613, "(#613) Calls to this api have exceeded the rate limit."),
    "throttle-80002": (
        400,
        80002,
        "(#80002) There have been too many calls to this Instagram account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    ),
}
#: Faults below the Graph layer: the connection closes with no answer, or the body is cut short.
TRANSPORT_FAULTS = ("drop", "truncate")
#: The token presented expires just before this request: code 190/463.
EXPIRE_TOKEN = "expire-token"
#: The request is served (a write takes effect), then the connection closes without the answer.
APPLY_THEN_DROP = "apply-then-drop"
#: An operation inside a batch is applied, and then answered ``null`` (timed out).
APPLY_THEN_NULL = "apply-then-null"
#: What ``rate`` draws from by default: the faults a client can retry through.
RETRYABLE_FAULTS = (*GRAPH_FAULTS, *TRANSPORT_FAULTS)
FAULT_KINDS = (*RETRYABLE_FAULTS, EXPIRE_TOKEN, APPLY_THEN_DROP)
#: Faults of one operation inside a batch: a Graph error, or ``null`` (Meta's timeout answer).
OPERATION_FAULTS = (*GRAPH_FAULTS, "null")


@dataclass
class Faults:
    """What goes wrong, and when.

    ``schedule`` maps a request number (1-based, counted across all requests the sandbox serves)
    to a fault kind. ``rate`` makes each request fail with that probability, the kind drawn from
    ``kinds``, reproducibly from ``seed``. ``latency`` (seconds) delays every response.
    ``regain_minutes`` is what throttles report as ``estimated_time_to_regain_access``.
    ``op_schedule`` and ``op_rate`` do the same for operations inside batch requests (counted
    separately), with :data:`OPERATION_FAULTS`.
    """

    latency: float = 0.0
    schedule: dict[int, str] = field(default_factory=dict)
    rate: float = 0.0
    kinds: tuple[str, ...] = RETRYABLE_FAULTS
    seed: int = 0
    regain_minutes: int = 0
    op_schedule: dict[int, str] = field(default_factory=dict)
    op_rate: float = 0.0
    #: Like ``schedule`` and ``op_schedule``, counted over writes only (POST and DELETE that
    #: change data), so a test can aim at a write whatever reads come before it.
    write_schedule: dict[int, str] = field(default_factory=dict)
    write_op_schedule: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        requests = (*self.schedule.values(), *self.write_schedule.values(), *self.kinds)
        unknown = {k for k in requests if k not in FAULT_KINDS}
        unknown |= {
            k
            for k in (*self.op_schedule.values(), *self.write_op_schedule.values())
            if k not in (*OPERATION_FAULTS, APPLY_THEN_NULL)
        }
        if unknown:
            raise ValueError(f"Unknown fault kinds {sorted(unknown)}; known: {list(FAULT_KINDS)}")
        self._rng = random.Random(self.seed)
        self._op_rng = random.Random(self.seed + 1)
        self._lock = threading.Lock()
        self._operations = 0
        self._writes = 0
        self._write_operations = 0
        #: Faults injected so far (requests and batch operations), so tests can check they fired.
        self.fired = 0

    def _fire(self, fault: str | None) -> str | None:
        if fault is not None:
            with self._lock:
                self.fired += 1
        return fault

    def pick_write(self) -> str | None:
        """The fault for the next write request, if any."""
        with self._lock:
            self._writes += 1
            fault = self.write_schedule.get(self._writes)
        return self._fire(fault)

    def pick_write_operation(self) -> str | None:
        """The fault for the next write operation inside a batch, if any."""
        with self._lock:
            self._write_operations += 1
            fault = self.write_op_schedule.get(self._write_operations)
        return self._fire(fault)

    def pick_operation(self) -> str | None:
        """The fault for the next operation inside a batch, if any."""
        fault = None
        with self._lock:
            self._operations += 1
            if self._operations in self.op_schedule:
                fault = self.op_schedule[self._operations]
            elif self.op_rate > 0 and self._op_rng.random() < self.op_rate:
                fault = self._op_rng.choice(OPERATION_FAULTS)
        return self._fire(fault)

    def pick(self, request_number: int) -> str | None:
        """The fault for this request, if any."""
        if request_number in self.schedule:
            return self._fire(self.schedule[request_number])
        if self.rate <= 0:
            return None
        fault = None
        with self._lock:
            if self._rng.random() < self.rate:
                fault = self._rng.choice(self.kinds)
        return self._fire(fault)
