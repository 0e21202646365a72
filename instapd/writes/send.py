"""Sending writes exactly once: batches of up to 50, and a look before any second try.

A write whose answer is lost (dropped connection, timeout, 5xx, a ``null`` in a batch) may or
may not have happened. Before it is sent again, the sender looks:

- a comment or reply: the newest comments of the media (or the replies of the comment), for
  one with the same text by the account, posted since the round began and not claimed by
  another row;
- hide, comment_enabled, delete: the object's state (deleted means not found).

Only a write the look did not find is sent again. A write Meta refused (a 4xx, including rate
limits) did not happen; rate-limited ones are sent again after the wait, the others fail.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import (
    GraphError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    TransientError,
)
from .plan import (
    ANSWER_INVITE,
    COMMENT,
    COMMENT_ENABLED,
    DELETE_COMMENT,
    DELETE_MEDIA,
    HIDE,
    REPLY,
    Item,
)
from .targets import pending_invites

if TYPE_CHECKING:
    from ..graph import GraphClient
    from ..graph.client import Outcome

logger = logging.getLogger("instapd.writes")

BATCH_SIZE = 50
#: How far before a round's start (by the API's clock) a found comment may be stamped: the
#: ``Date`` header is whole seconds.
CLOCK_SLACK = timedelta(seconds=1)
#: Comment ids this process created, per API root: never taken for a lost write's.
_CREATED: dict[str, set[str]] = {}
_CREATED_LOCK = threading.Lock()
#: Pages of comments or replies read when looking for a write whose answer was lost.
LOOK_PAGES = 20
LOOK_PARAMS = {"fields": "id,text,username,timestamp", "limit": 50}


class Sender:
    """Sends pending items over ``client``; ``rounds`` bounds the tries per item."""

    def __init__(self, client: GraphClient, *, rounds: int = 5) -> None:
        self.client = client
        self.rounds = max(1, rounds)
        with _CREATED_LOCK:  # comment ids already matched to a row, or created by instapd
            self.claimed = _CREATED.setdefault(client.base_url, set())
        self.requests = 0

    def send(self, items: list[Item]) -> None:
        for round_number in range(self.rounds):
            pending = [i for i in items if i.pending]
            if not pending:
                return
            began = self.client.server_now()
            chunks = [pending[i : i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
            lost: list[Item] = []
            waits: list[float] = []
            for chunk, outcomes in zip(chunks, self._map(self._send_chunk, chunks), strict=True):
                for item, outcome in zip(chunk, outcomes, strict=True):
                    self._settle(item, outcome, lost, waits)
            if lost:
                logger.info("%d writes lost their answer; looking before sending again", len(lost))
                self._look(lost, began)
            if waits and any(i.pending for i in items):
                self.client.retry.sleep(min(max(waits), self.client.retry.max_wait))
            elif round_number and any(i.pending for i in items):
                self.client.retry.sleep(self.client.retry.backoff_initial * 2**round_number)
        for item in items:
            if item.pending:
                item.fail(
                    TransientError(
                        f"The answer to this write was lost {self.rounds} times and it was not "
                        "found applied; it was not sent again. Check the object, and write again."
                    )
                )

    def _map(self, fn: Callable[[Any], Any], values: list[Any]) -> list[Any]:
        if len(values) == 1:
            return [fn(values[0])]
        return list(self.client.pool.map(fn, values))

    def _send_chunk(self, chunk: list[Item]) -> list[Outcome | None]:
        from ..graph.client import WriteOp

        self.requests += 1
        try:
            if len(chunk) == 1:
                method, path, params = chunk[0].request()
                return [self.client.write(method, path, params)]
            ops = [WriteOp(*item.request()) for item in chunk]
            return self.client.write_batch(ops)
        except TransientError:
            return [None] * len(chunk)  # the whole answer is lost: look at every write
        except RateLimitedError as exc:
            return [exc] * len(chunk)  # refused: nothing was applied
        except GraphError as exc:
            if len(chunk) == 1:
                return [exc]
            if isinstance(exc, RetryableError):
                return [None] * len(chunk)
            return [exc] * len(chunk)

    def _claim(self, comment_id: str) -> None:
        with _CREATED_LOCK:
            self.claimed.add(comment_id)

    def _settle(
        self, item: Item, outcome: Outcome | None, lost: list[Item], waits: list[float]
    ) -> None:
        if outcome is None:
            lost.append(item)
        elif isinstance(outcome, RateLimitedError):
            waits.append(float(getattr(outcome, "retry_after", None) or 0.0))
        elif isinstance(outcome, Exception):
            item.fail(outcome)
        elif item.kind in (COMMENT, REPLY):
            new_id = str(outcome.get("id") or "")
            if not new_id:
                item.fail(TransientError("Meta answered the comment without its id"))
            else:
                self._claim(new_id)
                item.done("ok", new_id)
        else:
            item.done("ok")

    # -- looking -----------------------------------------------------------------------------

    def _look(self, lost: list[Item], began: datetime) -> None:
        answers = [i for i in lost if i.kind == ANSWER_INVITE]
        if answers:
            self._look_at_invites(answers)
        state = [i for i in lost if i.kind in (HIDE, COMMENT_ENABLED, DELETE_COMMENT, DELETE_MEDIA)]
        if state:
            self._look_at_state(state)
        groups: dict[tuple[str, str], list[Item]] = {}
        for item in lost:
            if item.kind in (COMMENT, REPLY):
                groups.setdefault((item.kind, item.target), []).append(item)
        if not groups:
            return
        since = began - CLOCK_SLACK
        keys = list(groups)
        paths = [
            f"{target}/{'comments' if kind == COMMENT else 'replies'}" for kind, target in keys
        ]
        firsts = self.client.batch([(path, LOOK_PARAMS) for path in paths])  # one page each
        for key, path, first in zip(keys, paths, firsts, strict=True):
            if isinstance(first, GraphError):
                continue  # cannot look: the next round asks again
            self._look_for_comments(groups[key], path, first, since)

    def _look_at_invites(self, items: list[Item]) -> None:
        """An answered invite leaves the account's list: gone means the answer happened."""
        for account in {i.account for i in items if i.account}:
            try:
                waiting = pending_invites(self.client, account)
            except GraphError:
                continue  # cannot look: the next round asks again
            for item in items:
                if item.account == account and item.target not in waiting:
                    item.done("ok")

    def _look_at_state(self, items: list[Item]) -> None:
        fields = {HIDE: "hidden", COMMENT_ENABLED: "is_comment_enabled"}
        reads = [(i.target, {"fields": fields.get(i.kind, "id")}) for i in items]
        for item, found in zip(items, self.client.batch(reads), strict=True):
            if item.kind in (DELETE_COMMENT, DELETE_MEDIA):
                if isinstance(found, NotFoundError):
                    item.done("ok")  # gone: the delete happened
            elif isinstance(found, dict) and bool(found.get(fields[item.kind])) == item.flag:
                item.done("ok")
            elif isinstance(found, GraphError) and not isinstance(found, RetryableError):
                item.fail(found)
            # else: not applied; the next round sends it again

    def _look_for_comments(
        self, items: list[Item], path: str, first: dict[str, Any], since: datetime
    ) -> None:
        """Match lost comments (or replies) to ones posted since the round began.

        Comments come newest first, so the look stops at the first older one; replies come
        oldest first, so every page is read (up to ``LOOK_PAGES``).
        """
        found: list[dict[str, Any]] = list(first.get("data") or [])
        link = (first.get("paging") or {}).get("next")
        newest_first = items[0].kind == COMMENT
        if link and not (newest_first and found and min(map(_stamp, found)) < since):
            for number, page in enumerate(self.client.pages(str(link))):
                found.extend(page.data)
                stamps = [_stamp(c) for c in page.data]
                if newest_first and stamps and min(stamps) < since:
                    break
                if number + 2 >= LOOK_PAGES:
                    break
        for item in items:
            for comment in found:
                cid = str(comment.get("id"))
                if (
                    cid not in self.claimed
                    and str(comment.get("text") or "").strip() == item.text
                    and comment.get("username") == item.author
                    and _stamp(comment) >= since
                ):
                    self._claim(cid)
                    item.done("ok", cid)
                    break


def _stamp(comment: dict[str, Any]) -> datetime:
    try:
        return datetime.strptime(str(comment.get("timestamp")), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
