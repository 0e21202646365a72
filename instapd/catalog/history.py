"""Tables that exist only in the snapshot history: what webhooks tell and no read can ask.

``WebhookEvents`` holds every change a webhook delivered, once; ``LiveComments`` the comments
made during a live broadcast (the ``live_comments`` field), which no edge lists afterwards.
``history()`` reads them as any snapshotted table (``tables.history_table`` finds them);
``read_instagram`` refuses them, naming ``history()``.
"""

from __future__ import annotations

from .base import ACCOUNT_ID, Column, Table

EVENT_ID = Column(
    "event_id", "id", "The change's stable key (account, field, value): redeliveries share it", None
)

WEBHOOK_EVENTS = Table(
    "WebhookEvents",
    "Every change a webhook delivered, kept once; value_* columns flatten the change's value",
    (
        EVENT_ID,
        Column("received_at", "datetime", "When the receiver got the delivery (UTC)", None),
        ACCOUNT_ID,
        Column(
            "field", "string", "The subscribed field: comments, mentions, story_insights...", None
        ),
        Column("entry_time", "datetime", "When Meta sent the notification (entry.time, UTC)", None),
        Column("value", "string", "The change's value as the JSON Meta sent", None),
    ),
    hops=(),
    scopes=(),
    reader="history",
    time_column="received_at",
    notes="Filled by the webhook receiver (python -m instapd webhooks serve); history only.",
)

LIVE_COMMENTS = Table(
    "LiveComments",
    "Comments made on a live broadcast, as the live_comments webhook delivered them",
    (
        ACCOUNT_ID,
        Column("media_id", "id", "The live media", None),
        Column("id", "id", "Comment id", None),
        Column("text", "string", "Comment text", None),
        Column("from_id", "id", "Commenter's Instagram-scoped id", None),
        Column("from_username", "string", "Commenter's username", None),
        EVENT_ID,
    ),
    hops=(),
    scopes=(),
    reader="history",
    notes="Filled by the webhook receiver; history only.",
)

HISTORY_TABLES = {t.name.lower(): t for t in (WEBHOOK_EVENTS, LIVE_COMMENTS)}
