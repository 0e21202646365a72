"""Beyond CData: mentions, hashtags, business discovery, publishing limit and live media."""

from __future__ import annotations

from .base import ACCOUNT_ID, Column, Filter, Hop, Table
from .media import MEDIA_SCOPES

DISCOVERY_SCOPES = ("instagram_basic", "instagram_manage_insights", "pages_read_engagement")
HASHTAG_SCOPES = ("instagram_basic", "pages_read_engagement")
MENTION_SCOPES = ("instagram_basic", "instagram_manage_comments", "pages_read_engagement")

_HASHTAG = Filter("hashtag", "The hashtag, with or without '#'", "text", required=True)
_USERNAME = Filter("username", "The business or creator account's username", "text", required=True)
_ID = Column("id", "id", "Media id", "id")
_PUBLIC_MEDIA = (
    _ID,
    Column("caption", "string", "Caption"),
    Column("media_type", "string", "IMAGE, VIDEO or CAROUSEL_ALBUM"),
    Column("media_product_type", "string", "FEED or REELS"),
    Column("media_url", "string", "Media file URL"),
    Column("permalink", "string", "Permanent link"),
    Column("timestamp", "datetime", "When it was published (UTC)"),
    Column("like_count", "int", "Likes (NA when hidden)"),
    Column("comments_count", "int", "Comments"),
)
_HASHTAG_KEYS = (
    ACCOUNT_ID,
    Column("hashtag", "string", "The hashtag asked for", None),
    Column("hashtag_id", "id", "Its global id", None),
)
_HASHTAG_NOTE = (
    "Meta allows 30 unique hashtags per account in 7 days; a repeated hashtag does not count "
    "again. Pages come with an 'after' cursor only."
)


def _hashtag_media(name: str, description: str, edge: str) -> Table:
    return Table(
        name,
        description,
        (*_HASHTAG_KEYS, *_PUBLIC_MEDIA),
        hops=(),
        scopes=HASHTAG_SCOPES,
        reader="hashtag_media",
        options={"edge": edge},
        filters=(_HASHTAG,),
        time_column="timestamp",
        notes=_HASHTAG_NOTE,
    )


TABLES = (
    Table(
        "MentionedMedia",
        "A media item in which another account @mentioned yours (media_id from a webhook)",
        (ACCOUNT_ID, *_PUBLIC_MEDIA, Column("username", "string", "Who posted it")),
        hops=(),
        scopes=MENTION_SCOPES,
        reader="mention",
        options={"field": "mentioned_media", "key": "media_id"},
        filters=(Filter("media_id", "The media id the mention webhook gave", required=True),),
    ),
    Table(
        "MentionedComment",
        "A comment in which another account @mentioned yours (comment_id from a webhook)",
        (
            ACCOUNT_ID,
            Column("id", "id", "Comment id"),
            Column("text", "string", "Comment text"),
            Column("timestamp", "datetime", "When it was posted (UTC)"),
            Column("like_count", "int", "Likes"),
            Column("username", "string", "Who wrote it"),
            Column("media_id", "id", "The media it is on", "media.id"),
        ),
        hops=(),
        scopes=MENTION_SCOPES,
        reader="mention",
        options={"field": "mentioned_comment", "key": "comment_id"},
        filters=(Filter("comment_id", "The comment id the mention webhook gave", required=True),),
    ),
    Table(
        "HashtagSearch",
        "The global id of a hashtag (counts toward the 30-hashtags-in-7-days limit)",
        (*_HASHTAG_KEYS,),
        hops=(),
        scopes=HASHTAG_SCOPES,
        reader="hashtag_search",
        filters=(_HASHTAG,),
        notes=_HASHTAG_NOTE,
    ),
    _hashtag_media("HashtagTopMedia", "The most popular public media with a hashtag", "top_media"),
    _hashtag_media(
        "HashtagRecentMedia", "Public media with a hashtag from the last 24 hours", "recent_media"
    ),
    Table(
        "RecentlySearchedHashtags",
        "Hashtags the account searched in the last 7 days",
        (ACCOUNT_ID, Column("id", "id", "Hashtag id"), Column("name", "string", "Hashtag")),
        hops=(Hop("recently_searched_hashtags"),),
        scopes=HASHTAG_SCOPES,
    ),
    Table(
        "BusinessDiscovery",
        "The public profile of another business or creator account, by username",
        (
            ACCOUNT_ID,
            Column("id", "id", "Its Instagram account id"),
            Column("username", "string", "Username"),
            Column("name", "string", "Profile name"),
            Column("biography", "string", "Biography"),
            Column("website", "string", "Website"),
            Column("profile_picture_url", "string", "Profile picture URL"),
            Column("followers_count", "int", "Followers"),
            Column("follows_count", "int", "Accounts followed"),
            Column("media_count", "int", "Media published"),
        ),
        hops=(),
        scopes=DISCOVERY_SCOPES,
        reader="business_discovery",
        filters=(_USERNAME,),
    ),
    Table(
        "BusinessDiscoveryMedia",
        "The public media of another business or creator account, by username",
        (
            ACCOUNT_ID,
            Column("owner_username", "string", "The account looked up", None),
            *_PUBLIC_MEDIA,
            Column("view_count", "int", "Reels only: views (paid and organic)"),
        ),
        hops=(),
        scopes=DISCOVERY_SCOPES,
        reader="business_discovery_media",
        filters=(_USERNAME,),
        time_column="timestamp",
        notes="Pages are walked inside the field expansion (media.after(...)), as Meta requires.",
    ),
    Table(
        "ContentPublishingLimit",
        "How many posts the account published in the last 24 hours, against its quota",
        (
            ACCOUNT_ID,
            Column("quota_usage", "int", "Posts published in the window"),
            Column("quota_total", "int", "Posts allowed in the window", "config.quota_total"),
            Column("quota_duration", "int", "Window length, seconds", "config.quota_duration"),
        ),
        hops=(Hop("content_publishing_limit"),),
        scopes=("instagram_basic", "instagram_content_publish"),
    ),
    Table(
        "LiveMedia",
        "Live videos the account is broadcasting right now",
        (
            ACCOUNT_ID,
            Column("id", "id", "Live media id"),
            Column("media_type", "string", "BROADCAST"),
            Column("media_product_type", "string", "LIVE"),
            Column("username", "string", "Broadcaster"),
            Column("timestamp", "datetime", "When it started (UTC)"),
        ),
        hops=(Hop("live_media", time_filter=True),),
        scopes=MEDIA_SCOPES,
        time_column="timestamp",
    ),
)
