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
        (
            *MEDIA_COLUMNS[:2],
            _IG_ID,
            *MEDIA_COLUMNS[2:],
            Column("is_ai_generated", "bool", "Whether the post carries Meta's AI info label"),
        ),
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
    Table(
        "Collaborators",
        "The collaborators invited on each post, with their answer to the invite",
        (
            ACCOUNT_ID,
            Column("media_id", "id", "The post's media id", None),
            Column("id", "id", "The collaborator's Instagram user id"),
            Column("username", "string", "The collaborator's username"),
            Column("invite_status", "string", "Accepted, Pending or Declined"),
        ),
        hops=(Hop("media", key="media_id", time_filter=True), Hop("collaborators")),
        scopes=MEDIA_SCOPES,
        filters=(Filter("media_id", "Media id(s): read only their collaborators"),),
        time_column=None,
        notes="Collaborators come inline with the media listing (/{media}/collaborators).",
    ),
    Table(
        "CollaborationInvites",
        "Posts of other accounts that invite this account to collaborate, not yet answered",
        (
            ACCOUNT_ID,
            Column("media_id", "id", "The inviting post's media id"),
            Column("media_owner_username", "string", "Who invites"),
            _CAPTION,
            Column("media_url", "string", "The inviting post's media URL"),
        ),
        hops=(Hop("collaboration_invites"),),
        scopes=(*MEDIA_SCOPES, "instagram_content_publish"),
        kind="table",
        notes="Answer with update('CollaborationInvites', [{'media_id': ..., 'accept': True}]) "
        "(False declines); an answered invite leaves the list.",
    ),
)
