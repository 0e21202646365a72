"""The sandbox's seeded dataset: pages, Instagram business accounts, media, stories, comments, tags.

Everything is derived from ``seed`` and ``now``, so two datasets built with the same arguments are
identical. Nodes hold every field value they have; a field a node lacks is simply absent, which is
how the Graph API omits fields that do not apply.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from .collaboration import add_collaborators
from .details import add_details
from .nodes import Dataset, Node, Ref
from .schema import CLIENT_TASKS, PERMITTED_TASKS

#: The object model lives in :mod:`.nodes`; it is re-exported here for older imports.
__all__ = ["Dataset", "Node", "Ref", "build_dataset", "hashtag_id"]

_WORDS = (
    "sunrise coffee studio launch behind-the-scenes team recipe travel weekend workshop "
    "giveaway collection spring summer autumn winter tutorial design latte market city"
).split()
_EMOJI = ["☕", "🌅", "🔥", "✨", "📸", "🎉", "💡", "🌿", "🙌", "🇫🇷"]
_HASHTAGS = ["#coffee", "#latteart", "#smallbusiness", "#reels", "#design", "#travel", "#food"]
_COMMENTS = [
    "Love this! 😍",
    "Where is this?",
    'So "good" 👏',
    "Can't wait for the next one",
    "@friend look at this",
    "Beautiful colours 🌈",
    "How much is it?",
    "First!",
    "This made my day\nthank you",
]
_PUBLIC_ACCOUNTS = [
    ("bluebottle", "Blue Bottle Coffee", "Coffee, roasted with care."),
    ("nordic.roasters", "Nordic Roasters", "Light roasts from Oslo"),
]
_PATHS = {"REELS": "reel", "IMAGE": "p", "CAROUSEL_ALBUM": "p"}
_ACCOUNTS = [
    ("brewlab.coffee", "Brewlab Coffee Roasters", "Small-batch roasters ☕ Lyon · Paris"),
    ("atelier.nord", "Atelier Nord", "Design studio — furniture & light"),
]


class _Ids:
    """Sequential Graph-looking ids: strings of digits with a per-kind prefix."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def new(self, prefix: str, width: int = 17) -> str:
        n = self._next.get(prefix, 0) + 1
        self._next[prefix] = n
        return prefix + str(n).zfill(width - len(prefix))


def build_dataset(
    seed: int = 0,
    *,
    now: datetime | None = None,
    media_per_account: tuple[int, ...] = (160, 60),
    comments_per_account: tuple[int, ...] | None = None,
) -> Dataset:
    """Build the deterministic dataset for ``seed``; ``now`` anchors stories and recent media.

    ``comments_per_account`` (top-level comments of each account, spread over its media) replaces
    the random counts, for benchmarks of big threads.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(seed)
    ids = _Ids()
    nodes: dict[str, Node] = {}

    def add(node: Node) -> Node:
        nodes[node.id] = node
        return node

    user = add(Node("User", {"id": ids.new("10", 16), "name": "Sam Sandbox"}))
    page_ids, account_ids = [], []
    for index, count in enumerate(media_per_account):
        username, name, bio = _ACCOUNTS[index % len(_ACCOUNTS)]
        if index >= len(_ACCOUNTS):
            username, name = f"{username}{index}", f"{name} {index}"
        # the second account is small: too few followers for demographics
        followers = rng.randint(1_200, 48_000) if index != 1 else 87
        account = add(_ig_user(ids, username, name, bio, followers, rng.randint(80, 900)))
        account_ids.append(account.id)
        page = add(
            Node(
                "Page",
                {
                    "id": ids.new("1", 15),
                    "name": name,
                    "category": "Product/service",
                    "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
                    "instagram_business_account": Ref(account.id),
                },
            )
        )
        page_ids.append(page.id)
        spread = None
        if comments_per_account and index < len(comments_per_account):
            total = comments_per_account[index]
            spread = [total // count + (i < total % count) for i in range(count)]
        posts = account.edges.setdefault("media", [])  # empty for an account yet to post
        for media in _media(rng, ids, account, count, now, comment_counts=spread):
            add(media)
            posts.append(media.id)
            for child in media.values.pop("_children", []):
                add(child)
                media.edges.setdefault("children", []).append(child.id)
            for comment in media.values.pop("_comments", []):
                add(comment)
                media.edges.setdefault("comments", []).append(comment.id)
                for reply in comment.values.pop("_replies", []):
                    add(reply)
                    comment.edges.setdefault("replies", []).append(reply.id)
        account.values["media_count"] = len(posts)
        for oldest in posts[-3:]:  # posted before the account went professional
            nodes[oldest].values["_pre_professional"] = True
        for story in _stories(rng, ids, account, now):
            add(story)
            account.edges.setdefault("stories", []).append(story.id)
        for tagged in _tagged(rng, ids, now):
            add(tagged)
            account.edges.setdefault("tags", []).append(tagged.id)
    no_ig_page = add(
        Node("Page", {"id": ids.new("1", 15), "name": "Sandbox Community", "category": "Community"})
    )
    page_ids.append(no_ig_page.id)
    user.edges["accounts"] = list(page_ids)
    business = add(_business(ids, account_ids))
    user.edges["businesses"] = [business.id]
    system_user = add(Node("User", {"id": ids.new("61", 15), "name": "Agency Runner"}))
    system_user.edges["accounts"] = list(page_ids)  # the Pages the business assigned to it
    system_user.edges["businesses"] = [business.id]
    own = [nodes[a] for a in account_ids]
    public_ids = []
    for username, name, bio in _PUBLIC_ACCOUNTS:
        followers, follows = rng.randint(20_000, 900_000), rng.randint(100, 2_000)
        public = add(_ig_user(ids, username, name, bio, followers, follows))
        public_ids.append(public.id)
        for media in _media(rng, ids, public, 45, now, mention=own[0].values["username"]):
            for comment in media.values.pop("_comments", []):
                add(comment)
                media.edges.setdefault("comments", []).append(comment.id)
                comment.values.pop("_replies", None)
            for child in media.values.pop("_children", []):
                add(child)
                media.edges.setdefault("children", []).append(child.id)
            add(media)
            public.edges.setdefault("media", []).append(media.id)
        public.values["media_count"] = len(public.edges["media"])
    for tag in _HASHTAGS:
        add(Node("IGHashtag", {"id": hashtag_id(tag[1:]), "name": tag[1:]}))
    if own:
        own[0].edges["live_media"] = [add(_live(ids, own[0], now)).id]
    dataset = Dataset(nodes, user.id, page_ids, account_ids, now, public_ids,
                      business_id=business.id, system_user_id=system_user.id)  # fmt: skip
    add_details(dataset)
    add_collaborators(dataset)
    return dataset


def _business(ids: _Ids, account_ids: list[str]) -> Node:
    """An agency's Business Manager: it owns the first half of the accounts, and manages the
    rest for its clients."""
    owned = (len(account_ids) + 1) // 2
    node = Node("Business", {"id": ids.new("2", 15), "name": "Sandbox Agency",
                             "verification_status": "verified"})  # fmt: skip
    node.edges["owned_instagram_accounts"] = list(account_ids[:owned])
    node.edges["client_instagram_accounts"] = list(account_ids[owned:])
    node.values[PERMITTED_TASKS] = {  # every client grants analysis; some more, one everything
        account: CLIENT_TASKS[: 1 + (i * 2) % len(CLIENT_TASKS)][::-1]
        for i, account in enumerate(account_ids[owned:])
    }
    return node


def hashtag_id(name: str) -> str:
    """Hashtag ids are global and static: derived from the name."""
    digest = hashlib.sha256(name.lower().encode()).hexdigest()
    return "178" + str(int(digest[:14], 16)).zfill(14)[:14]


def _ig_user(ids: _Ids, username: str, name: str, bio: str, followers: int, follows: int) -> Node:
    """An Instagram business or creator account's profile."""
    return Node(
        "IGUser",
        {
            "id": ids.new("178414", 17),
            "ig_id": int(ids.new("5", 10)),
            "username": username,
            "name": name,
            "biography": bio,
            "website": f"https://{username.replace('.', '-')}.example",
            "profile_picture_url": f"https://cdn.sandbox.invalid/{username}.jpg",
            "followers_count": followers,
            "follows_count": follows,
        },
    )


def _live(ids: _Ids, account: Node, now: datetime) -> Node:
    return Node(
        "IGMedia",
        {
            "id": ids.new("179", 17),
            "media_type": "BROADCAST",
            "media_product_type": "LIVE",
            "owner": Ref(account.id),
            "username": account.values["username"],
            "timestamp": _stamp(now - timedelta(minutes=12)),
        },
    )


def _caption(rng: random.Random) -> str | None:
    if rng.random() < 0.08:
        return None
    parts = [" ".join(rng.sample(_WORDS, rng.randint(3, 8))).capitalize()]
    if rng.random() < 0.6:
        parts.append(rng.choice(_EMOJI) * rng.randint(1, 2))
    if rng.random() < 0.3:
        parts.append('"quoted" text\nand a second line')
    if rng.random() < 0.5:
        parts.append(" ".join(rng.sample(_HASHTAGS, rng.randint(1, 3))))
    if rng.random() < 0.25:
        parts.append("with @" + rng.choice(_ACCOUNTS)[0])
    return " ".join(parts)


def _stamp(ts: datetime) -> datetime:
    return ts.replace(microsecond=0)


def _media(
    rng: random.Random,
    ids: _Ids,
    account: Node,
    count: int,
    now: datetime,
    mention: str | None = None,
    comment_counts: list[int] | None = None,
) -> Iterator[Node]:
    """Newest first, spread over about nine months, like ``/media`` returns them."""
    username = account.values["username"]
    span = timedelta(days=270).total_seconds()
    offsets = sorted(rng.uniform(3600, span) for _ in range(count))
    if mention:  # public accounts post often: a few in the last day, for recent hashtag media
        offsets = sorted([rng.uniform(600, 20 * 3600) for _ in range(6)] + offsets[6:])
    for position, offset in enumerate(offsets):
        ts = _stamp(now - timedelta(seconds=offset))
        kind = rng.choices(["IMAGE", "REELS", "CAROUSEL_ALBUM"], weights=[5, 3, 2])[0]
        media_id = ids.new("179", 17)
        shortcode = f"C{rng.getrandbits(40):010x}"
        values: dict[str, Any] = {
            "id": media_id,
            "media_type": "VIDEO" if kind == "REELS" else kind,
            "media_product_type": "REELS" if kind == "REELS" else "FEED",
            "permalink": f"https://www.instagram.com/{_PATHS[kind]}/{shortcode}/",
            "shortcode": shortcode,
            "timestamp": ts,
            "username": username,
            "owner": Ref(account.id),
            "is_comment_enabled": rng.random() > 0.05,
        }
        caption = _caption(rng)
        if caption is not None and mention and rng.random() < 0.15:
            caption += f" thanks @{mention}"
        if caption is not None:
            values["caption"] = caption
        if kind == "REELS" and mention:
            values["view_count"] = int(rng.paretovariate(1.2) * 900)
        if kind != "REELS" or rng.random() > 0.1:  # copyrighted audio: no media_url
            values["media_url"] = _cdn(media_id, "VIDEO" if kind == "REELS" else "IMAGE")
        if kind == "REELS":
            values["thumbnail_url"] = f"https://cdn.sandbox.invalid/{media_id}_thumb.jpg"
            values["is_shared_to_feed"] = rng.random() > 0.3
        if rng.random() > 0.07:  # the owner hid the like count: the field is omitted
            values["like_count"] = int(rng.paretovariate(1.3) * 20)
        if kind == "CAROUSEL_ALBUM":
            values["_children"] = [
                _child(ids, ts, username, rng) for _ in range(rng.randint(2, 10))
            ]
        wanted = comment_counts[position] if comment_counts else None
        comments = _comments(rng, ids, media_id, values["media_product_type"], ts, now, wanted)
        values["_comments"] = comments
        values["comments_count"] = len(comments) + sum(len(c.values["_replies"]) for c in comments)
        yield Node("IGMedia", values)


def _cdn(media_id: str, media_type: str) -> str:
    return f"https://cdn.sandbox.invalid/{media_id}.{'mp4' if media_type == 'VIDEO' else 'jpg'}"


def _child(ids: _Ids, ts: datetime, username: str, rng: random.Random) -> Node:
    child_id = ids.new("178", 17)
    media_type = "VIDEO" if rng.random() < 0.2 else "IMAGE"
    values: dict[str, Any] = {
        "id": child_id,
        "media_type": media_type,
        "media_url": _cdn(child_id, media_type),
        "timestamp": ts,
        "username": username,
        "shortcode": f"C{rng.getrandbits(40):010x}",
    }
    if media_type == "VIDEO":
        values["thumbnail_url"] = f"https://cdn.sandbox.invalid/{child_id}_thumb.jpg"
    return Node("IGMedia", values)


def _comments(
    rng: random.Random,
    ids: _Ids,
    media_id: str,
    product: str,
    posted: datetime,
    now: datetime,
    wanted: int | None = None,
) -> list[Node]:
    roll = rng.random()
    count = rng.randint(51, 130) if roll < 0.03 else (0 if roll < 0.25 else rng.randint(1, 12))
    count = count if wanted is None else wanted
    window = max((now - posted).total_seconds() - 60, 60)
    stamps = sorted((rng.uniform(30, window) for _ in range(count)), reverse=True)
    comments = []
    for offset in stamps:  # reverse chronological, as the API returns them
        ts = _stamp(posted + timedelta(seconds=offset))
        comment = _comment(rng, ids, media_id, product, ts)
        n_replies = rng.choice([0, 0, 0, 1, 2, 4]) if rng.random() < 0.4 else 0
        comment.values["_replies"] = [
            _comment(
                rng, ids, media_id, product, _stamp(ts + timedelta(minutes=5 * (i + 1))), comment.id
            )
            for i in range(n_replies)
        ]
        comments.append(comment)
    return comments


def _comment(
    rng: random.Random,
    ids: _Ids,
    media_id: str,
    product: str,
    ts: datetime,
    parent_id: str | None = None,
) -> Node:
    commenter = f"fan_{rng.randint(1, 400):03d}"
    values: dict[str, Any] = {
        "id": ids.new("180", 17),
        "text": rng.choice(_COMMENTS),
        "timestamp": ts,
        "username": commenter,
        "like_count": rng.choice([0, 0, 1, 2, 3, 8]),
        "hidden": rng.random() < 0.06,
        "from": {"id": ids.new("69", 16), "username": commenter},
        "media": {"id": media_id, "media_product_type": product},
    }
    if parent_id is not None:
        values["parent_id"] = parent_id
    return Node("IGComment", values)


def _stories(rng: random.Random, ids: _Ids, account: Node, now: datetime) -> list[Node]:
    username = account.values["username"]
    stories = []
    for _ in range(rng.randint(3, 7)):
        story_id = ids.new("179", 17)
        media_type = "VIDEO" if rng.random() < 0.4 else "IMAGE"
        ts = _stamp(now - timedelta(seconds=rng.uniform(600, 23 * 3600)))
        values: dict[str, Any] = {
            "id": story_id,
            "media_type": media_type,
            "media_product_type": "STORY",
            "media_url": _cdn(story_id, media_type),
            "permalink": f"https://instagram.com/stories/{username}/{rng.getrandbits(60)}",
            "timestamp": ts,
            "username": username,
            "owner": Ref(account.id),
            "shortcode": f"S{rng.getrandbits(40):010x}",
        }
        if media_type == "VIDEO":
            values["thumbnail_url"] = f"https://cdn.sandbox.invalid/{story_id}_thumb.jpg"
        stories.append(Node("IGMedia", values))
    stories.sort(key=lambda n: n.values["timestamp"], reverse=True)
    stories[-1].values["_few_viewers"] = True  # fewer than 5 viewers: no insights
    return stories


def _tagged(rng: random.Random, ids: _Ids, now: datetime) -> list[Node]:
    tagged = []
    for _ in range(rng.randint(30, 45)):
        media_id = ids.new("179", 17)
        ts = _stamp(now - timedelta(seconds=rng.uniform(3600, 200 * 86400)))
        values: dict[str, Any] = {
            "id": media_id,
            "media_type": rng.choice(["IMAGE", "IMAGE", "VIDEO", "CAROUSEL_ALBUM"]),
            "media_product_type": "FEED",
            "media_url": f"https://cdn.sandbox.invalid/{media_id}.jpg",
            "permalink": f"https://www.instagram.com/p/T{rng.getrandbits(40):010x}/",
            "timestamp": ts,
            "username": f"creator_{rng.randint(1, 90):02d}",
            "comments_count": rng.randint(0, 40),
        }
        caption = _caption(rng)
        if caption is not None:
            values["caption"] = caption
        if rng.random() > 0.15:
            values["like_count"] = rng.randint(0, 3000)
        tagged.append(Node("IGMedia", values))
    tagged.sort(key=lambda n: n.values["timestamp"], reverse=True)
    return tagged
