"""Media, carousel children, stories and tagged media."""

from __future__ import annotations

from .base import ACCOUNT_ID, Column, Filter, Hop, Table

MEDIA_SCOPES = ("instagram_basic", "pages_show_list", "pages_read_engagement")

_ID = Column("id", "id", "Media id")
_MEDIA_TYPE = Column("media_type", "string", "IMAGE, VIDEO or CAROUSEL_ALBUM")
_PRODUCT = Column("media_product_type", "string", "FEED, REELS, STORY or AD")
_URL = Column("media_url", "string", "Media file URL (NA for copyrighted audio)")
_PERMALINK = Column("permalink", "string", "Permanent link on instagram.com")
_THUMB = Column("thumbnail_url", "string", "Video thumbnail URL (videos only)")
_TIMESTAMP = Column("timestamp", "datetime", "When it was published (UTC)")
_USERNAME = Column("username", "string", "Creator's username")
_SHORTCODE = Column("shortcode", "string", "Shortcode in the permalink")
_CAPTION = Column("caption", "string", "Caption (NA when there is none)")
_LIKES = Column("like_count", "int", "Likes (NA when the owner hides them)")
_COMMENTS = Column("comments_count", "int", "Comments, replies included")
_IG_ID = Column(
    "ig_id", "id", "Legacy Instagram media id (CData's IGId; the shortcode decodes to it)"
)

MEDIA_COLUMNS = (
    ACCOUNT_ID,
    _ID,
    _CAPTION,
    _MEDIA_TYPE,
    _PRODUCT,
    _URL,
    _PERMALINK,
    _THUMB,
    _TIMESTAMP,
    _USERNAME,
    Column("owner_id", "id", "Owner's Instagram user id", "owner.id"),
    _LIKES,
    _COMMENTS,
    Column("is_comment_enabled", "bool", "Whether comments are on"),
    _SHORTCODE,
    Column("is_shared_to_feed", "bool", "Reels only: also shown in the feed"),
)

_SINCE_NOTE = "since/until filter on timestamp and are pushed down to the API."

TABLES = (
    Table(
        "Media",
        "Every post, reel and carousel of the account, newest first",
        MEDIA_COLUMNS,
        hops=(Hop("media", time_filter=True),),
        scopes=MEDIA_SCOPES,
        time_column="timestamp",
        notes=_SINCE_NOTE + " A stale cache entry is refreshed with only the newer media.",
        options={"incremental": "newest_first"},
    ),
    Table(
        "IGMedia",
        "Media objects by id (id= one or many), or all the account's media",
        (*MEDIA_COLUMNS[:2], _IG_ID, *MEDIA_COLUMNS[2:]),
        hops=(Hop("media", key="id", time_filter=True),),
        scopes=MEDIA_SCOPES,
        filters=(Filter("id", "One media id or a list of them: read just those objects"),),
        time_column="timestamp",
        notes=_SINCE_NOTE,
    ),
    Table(
        "MediaChildren",
        "The images and videos inside carousel albums",
        (
            ACCOUNT_ID,
            Column("media_id", "id", "The album's media id", None),
            _ID,
            _MEDIA_TYPE,
            _URL,
            _THUMB,
            _TIMESTAMP,
            _USERNAME,
            _SHORTCODE,
        ),
        hops=(Hop("media", key="media_id", time_filter=True), Hop("children")),
        scopes=MEDIA_SCOPES,
        filters=(Filter("media_id", "Album media id(s): read only their children"),),
        time_column="timestamp",
        notes="Children come inline with the media listing; since/until select albums.",
    ),
    Table(
        "Stories",
        "The account's stories that are live now (the last 24 hours)",
        (
            ACCOUNT_ID,
            _ID,
            _CAPTION,
            _MEDIA_TYPE,
            _PRODUCT,
            _URL,
            _PERMALINK,
            _THUMB,
            _TIMESTAMP,
            _USERNAME,
            _SHORTCODE,
        ),
        hops=(Hop("stories"),),
        scopes=MEDIA_SCOPES,
        time_column="timestamp",
    ),
    Table(
        "Tags",
        "Media in which other users tagged the account",
        (
            ACCOUNT_ID,
            _ID,
            _CAPTION,
            _MEDIA_TYPE,
            _PRODUCT,
            _URL,
            _PERMALINK,
            _TIMESTAMP,
            _USERNAME,
            _LIKES,
            _COMMENTS,
        ),
        hops=(Hop("tags", cursor_only=True),),
        scopes=(*MEDIA_SCOPES, "instagram_manage_comments"),
        time_column="timestamp",
    ),
)
