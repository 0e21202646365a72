"""A delivery's changes, their stable keys, and the rows each one makes.

Meta's envelope is described (and built, for the sandbox and tests) in
:mod:`instapd.catalog.webhooks`; messaging fields carry ``entry[].messaging[]``. Meta
redelivers, and ``entry.time`` is when it *sent*, so the key of a change is its content:
account, field and value, never the body's bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..catalog.webhooks import FIELDS
from ..validation import is_graph_id

logger = logging.getLogger("instapd.webhooks")

#: Fields whose value shape instapd knows (Facebook Login and Instagram Login).
KNOWN_FIELDS = FIELDS
_MESSAGING_KEYS = ("sender", "recipient", "timestamp")


class MalformedDelivery(ValueError):
    """The body is not a webhook delivery; ``reason`` says what is wrong with it."""


@dataclass(frozen=True)
class Change:
    """One change of one entry: the account it is about, its field and value."""

    account: str
    field: str
    value: Any
    entry_time: datetime | None
    received_at: datetime

    @property
    def key(self) -> str:
        """The same for every redelivery of this change."""
        text = json.dumps(self.value, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(f"{self.account}\0{self.field}\0{text}".encode())
        return digest.hexdigest()[:32]


def parse(body: bytes) -> dict[str, Any]:
    """The delivery's JSON, once its shape is Meta's; :class:`MalformedDelivery` otherwise."""
    try:
        payload = json.loads(body)
    except ValueError:
        raise MalformedDelivery("the body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("object"), str):
        raise MalformedDelivery("the body has no 'object'")
    entries = payload.get("entry")
    if not isinstance(entries, list) or not entries:
        raise MalformedDelivery("the body has no 'entry' list")
    for entry in entries:
        if not isinstance(entry, dict) or not is_graph_id(entry.get("id")):
            raise MalformedDelivery("an entry has no account id of digits")
        if not isinstance(entry.get("time", 0), int | float):
            raise MalformedDelivery("an entry's time is not a number")
        changes, messaging = entry.get("changes"), entry.get("messaging")
        if changes is None and messaging is None and "field" in entry:
            continue  # Instagram Login's sample puts field/value on the entry itself
        if not isinstance(changes or messaging, list):
            raise MalformedDelivery("an entry has neither 'changes' nor 'messaging'")
        for change in changes or []:
            if not isinstance(change, dict) or not isinstance(change.get("field"), str):
                raise MalformedDelivery("a change has no 'field'")
        for item in messaging or []:
            if not isinstance(item, dict):
                raise MalformedDelivery("a messaging item is not an object")
    return payload


def changes(payload: dict[str, Any], received_at: datetime) -> list[Change]:
    """Every change of a parsed delivery, in order."""
    found = []
    for entry in payload["entry"]:
        account, when = str(entry["id"]), _time(entry.get("time"))
        items = entry.get("changes")
        if items is None and "field" in entry and "messaging" not in entry:
            items = [{"field": entry["field"], "value": entry.get("value")}]
        for change in items or []:
            found.append(Change(account, change["field"], change.get("value"), when, received_at))
        for item in entry.get("messaging") or []:
            kind = next((k for k in item if k not in _MESSAGING_KEYS), "messages")
            field = "messages" if kind == "message" else kind
            found.append(Change(account, field, item, when, received_at))
    return found


def _time(value: Any) -> datetime | None:
    """``entry.time``: Unix seconds, or milliseconds as messaging fields send it."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    seconds = value / 1000 if value > 100_000_000_000 else value
    return datetime.fromtimestamp(seconds, UTC)


_warned: set[str] = set()
_warned_lock = threading.Lock()


def warn_unknown(field: str) -> None:
    """Warn once per process of a field instapd does not know (it is kept raw)."""
    with _warned_lock:
        if field in _warned:
            return
        _warned.add(field)
    logger.warning(
        "webhook field %r is not one instapd knows; its changes are kept raw in "
        "WebhookEvents.value",
        field,
        extra={"webhook_field": field},
    )


def flatten(value: Any, prefix: str = "value") -> dict[str, Any]:
    """``{"from": {"id": 1}}`` -> ``{"value_from_id": 1}``; lists stay JSON text."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix != "value" else {}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}_{key}"
        if isinstance(item, dict):
            flat.update(flatten(item, name))
        elif isinstance(item, list):
            flat[name] = json.dumps(item)
        else:
            flat[name] = item
    return flat


def event_row(change: Change) -> dict[str, Any]:
    """The change's ``WebhookEvents`` row."""
    row: dict[str, Any] = {
        "event_id": change.key,
        "received_at": change.received_at,
        "business_account_id": change.account,
        "field": change.field,
        "entry_time": change.entry_time,
        "value": json.dumps(change.value),
    }
    if change.field in KNOWN_FIELDS:
        row.update(flatten(change.value))
    else:
        warn_unknown(change.field)
    return row


def table_rows(change: Change) -> list[tuple[str, dict[str, Any]]]:
    """The rows a change adds to the history tables it matches (besides ``WebhookEvents``)."""
    value = change.value if isinstance(change.value, dict) else {}
    base = {"business_account_id": change.account, "event_id": change.key}
    if change.field in ("comments", "live_comments"):
        who = _object(value.get("from"))
        media = _object(value.get("media"))
        row = {
            **base,
            "media_id": _text(media.get("id")),
            "id": _text(value.get("id") or value.get("comment_id")),
            "text": _text(value.get("text")),
            "username": _text(who.get("username")),
            "from_id": _text(who.get("id")),
            "from_username": _text(who.get("username")),
        }
        if change.field == "live_comments":
            del row["username"]
            return [("LiveComments", row)]
        parent = _text(value.get("parent_id"))
        if parent is not None:
            return [("Replies", {**row, "comment_id": parent, "parent_id": parent})]
        return [("Comments", row)]
    if change.field == "story_insights":
        metrics = {
            k: (v if v != -1 else None)  # Meta sends -1 for a metric under 5
            for k, v in value.items()
            if k != "media_id" and isinstance(v, int) and not isinstance(v, bool)
        }
        row = {**base, "media_id": _text(value.get("media_id")), "media_product_type": "STORY"}
        return [("StoryInsights", {**row, **metrics})]
    return []


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
