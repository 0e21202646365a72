"""Insights requests in batches, with refused metrics isolated instead of sinking the read.

Insights calls ask for several metrics at once, and the API refuses the whole call when one
metric does not apply (a story with too few viewers, a media posted before the account turned
professional). :func:`run` sends every operation through the batch endpoint; for each object
whose call was refused it probes the metrics one by one (all probes in one batch), records the
refused ones as skips, and asks again without them.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import GraphError, NotFoundError, PermissionDeniedError, warn
from ..graph.client import MAX_BATCH, Outcome
from .context import ReadContext

#: Days Meta keeps user insights, by its guide (it may keep more: nothing is clipped in advance).
RETENTION_DAYS = 90
PACIFIC = ZoneInfo("America/Los_Angeles")


class RetentionWarning(UserWarning):
    """Meta refused the part of a range older than it keeps; the rest was read."""


#: What readers use of an insights result; leaving out titles and descriptions halves the bytes.
RESULT_FIELDS = "name,period,values,total_value"


@dataclass(frozen=True)
class Op:
    """One insights call: ``{owner}/insights`` for ``metrics``, plus other parameters."""

    owner: str
    metrics: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    tag: Any = field(default=None, hash=False)  # the caller's context: a window, a day, a media

    def request(self) -> tuple[str, dict[str, Any]]:
        params = {"fields": RESULT_FIELDS, **self.params, "metric": ",".join(self.metrics)}
        return f"{self.owner}/insights", params


def run(ctx: ReadContext, ops: Iterable[Op]) -> Iterator[tuple[Op, dict[str, Any]]]:
    """Each op with its answer; refused metrics are skipped (NA), never fatal unless strict.

    Batches of 50 are sent on the client's pool as soon as they fill, while ``ops`` is still
    being produced (from a media listing that is still paging, say).
    """
    pending, outcomes = _send_streaming(ctx, ops)
    while pending:
        failed: dict[str, list[tuple[Op, GraphError]]] = {}
        clipped_ops: list[Op] = []
        for op, outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, GraphError) and _too_old(op, outcome, ctx.client.now()):
                clipped = clip_to_retention(ctx, op)  # Meta refused the old part: read the rest
                if clipped is not None:
                    clipped_ops.append(clipped)
            elif isinstance(outcome, GraphError) and _object_refusal(outcome):
                ctx.skip(op.owner, outcome)  # the object's own refusal: no metric would do
            elif isinstance(outcome, GraphError):
                failed.setdefault(op.owner, []).append((op, outcome))
            else:
                yield op, outcome
        pending = clipped_ops
        outcomes = []
        if failed:
            probes = [first for first, _ in (items[0] for items in failed.values())]
            refused = yield from _probe(ctx, probes)
            for owner, items in failed.items():
                bad = refused[owner]
                for op, error in items[1:]:
                    kept = tuple(m for m in op.metrics if m not in bad)
                    if bad and kept:
                        pending.append(replace(op, metrics=kept))
                    elif not bad:
                        ctx.skip(owner, error)
        if pending:
            outcomes = ctx.client.batch([op.request() for op in pending])


def _too_old(op: Op, error: GraphError, now: datetime) -> bool:
    """A plain code 100 for a range reaching further back than user insights are kept."""
    since = op.params.get("since")
    return (
        error.code == 100
        and error.subcode is None
        and isinstance(since, int)
        and since < retention_start(now).timestamp()
    )


def retention_start(now: datetime | None = None) -> datetime:
    """The first Pacific midnight within Meta's 90 days before ``now`` (the API's clock;
    this machine's by default), a day's margin for clock skew."""
    oldest = ((now or datetime.now(UTC)) - timedelta(days=RETENTION_DAYS - 1)).astimezone(PACIFIC)
    midnight = datetime.combine(oldest.date() + timedelta(days=1), time.min, tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


def clip_to_retention(ctx: ReadContext, op: Op) -> Op | None:
    """``op`` from the first day Meta keeps (None when nothing of it is kept); warns once."""
    start = retention_start(ctx.client.now())
    until = op.params.get("until")
    if not isinstance(until, int) or until <= start.timestamp():
        clipped = None
    else:
        tag = (start, op.tag[1]) if isinstance(op.tag, tuple) else op.tag
        # (since, until] as Meta reads it: from the day that ends at ``start``
        since = int(start.timestamp()) - 1
        clipped = replace(op, params={**op.params, "since": since}, tag=tag)
    ctx.retention_cut = True  # the reader warns once, naming the first day it read
    return clipped


def warn_retention(table: str, first_end: str | None) -> None:
    """The one warning that Meta refused old days, naming the first (Pacific) day read."""
    first = "no day"
    if first_end:
        end = datetime.strptime(first_end, "%Y-%m-%dT%H:%M:%S%z").astimezone(PACIFIC)
        first = (end.date() - timedelta(days=1)).isoformat()  # the day that ends at end_time
    warn(
        f"{table}: Meta keeps user insights for {RETENTION_DAYS} days and refused the older "
        f"part of the range; read from {first} (US-Pacific day) on.",
        RetentionWarning,
    )


def _send_streaming(ctx: ReadContext, ops: Iterable[Op]) -> tuple[list[Op], list[Outcome]]:
    """Send each full chunk of ops at once on the pool; return the ops and their outcomes."""
    sent: list[Op] = []
    futures: list[Future[list[Outcome]]] = []
    chunk: list[Op] = []
    for op in ops:
        chunk.append(op)
        if len(chunk) == MAX_BATCH:
            futures.append(ctx.client.pool.submit(_batch, ctx, chunk))
            sent += chunk
            chunk = []
    if chunk:
        futures.append(ctx.client.pool.submit(_batch, ctx, chunk))
        sent += chunk
    return sent, [outcome for future in futures for outcome in future.result()]


def _batch(ctx: ReadContext, chunk: list[Op]) -> list[Outcome]:
    return ctx.client.batch([op.request() for op in chunk])


def _probe(
    ctx: ReadContext, probes: list[Op]
) -> Generator[tuple[Op, dict[str, Any]], None, dict[str, set[str]]]:
    """Ask each probe's metrics one at a time; yield what worked, return what was refused."""
    singles = [replace(op, metrics=(m,)) for op in probes for m in op.metrics]
    outcomes = ctx.client.batch([s.request() for s in singles]) if singles else []
    refused: dict[str, set[str]] = {op.owner: set() for op in probes}
    by_owner: dict[str, list[tuple[Op, dict[str, Any] | GraphError]]] = {}
    for single, outcome in zip(singles, outcomes, strict=True):
        by_owner.setdefault(single.owner, []).append((single, outcome))
    for probe in probes:
        answers = by_owner.get(probe.owner, [])
        errors = [o for _, o in answers if isinstance(o, GraphError)]
        if errors and len(errors) == len(answers):  # the object itself is refused...
            if not _object_refusal(errors[0]):  # ...or the request is wrong: never hide that
                raise errors[0]
            ctx.skip(probe.owner, errors[0])
            refused[probe.owner] = set(probe.metrics)
            continue
        data: list[Any] = []
        for single, outcome in answers:
            if isinstance(outcome, GraphError):
                ctx.skip(probe.owner, outcome)
                refused[probe.owner].add(single.metrics[0])
            else:
                data += outcome.get("data") or []
        if data:
            yield probe, {"data": data}
    return refused


def _object_refusal(error: GraphError) -> bool:
    """Refusals about one object (a threshold, a permission, a pre-conversion media)."""
    return isinstance(error, PermissionDeniedError | NotFoundError) or error.subcode is not None
