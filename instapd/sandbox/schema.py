"""What each Graph node type exposes: its fields, default fields, edges, edge caps and scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The tasks a client lets a Business Manager agency do with its Instagram account, which
#: ``/{business-id}/client_instagram_accounts`` adds to each account as ``permitted_tasks``
#: (Meta documents the field, list<string>, not its values; these are the Page tasks'.)
CLIENT_TASKS = ("ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE")
#: Where a Business node keeps each client account's tasks (not a field anyone may ask for).
PERMITTED_TASKS = "_permitted_tasks"


@dataclass(frozen=True)
class EdgeType:
    """A connection such as ``/{ig-user-id}/media``."""

    cap: int = 100
    scopes: tuple[str, ...] = ()
    urls_in_paging: bool = True  # /tags gives cursors without next/previous URLs
    time_filter: bool = False  # since/until accepted


@dataclass(frozen=True)
class NodeType:
    name: str
    fields: frozenset[str]
    defaults: tuple[str, ...] = ("id",)
    edges: dict[str, EdgeType] = field(default_factory=dict)
    list_defaults: tuple[str, ...] | None = None  # default fields when listed by an edge
    scopes: tuple[str, ...] = ()  # needed to read the node itself
    cacheable: bool = True  # False: one id stands for several nodes (a collaborator per post)

    def knows(self, name: str) -> bool:
        return name in self.fields or name in self.edges


#: Fields of live media created through the API (Live Producer): absent on everything else.
_INGEST_FIELDS = (
    "ingest_first_video_received_time",
    "ingest_is_ready_to_start",
    "ingest_key",
    "ingest_last_heartbeat_time",
    "ingest_state",
    "ingest_url",
    "ingest_video_height",
    "ingest_video_width",
)
_MEDIA_EDGE = EdgeType(scopes=("instagram_basic",), time_filter=True)
_COMMENTS_EDGE = EdgeType(cap=50, scopes=("instagram_basic", "instagram_manage_comments"))

NODE_TYPES: dict[str, NodeType] = {
    t.name: t
    for t in [
        NodeType(
            "User",
            frozenset({"id", "name", "email", "first_name", "last_name"}),
            defaults=("name", "id"),
            edges={
                "accounts": EdgeType(scopes=("pages_show_list",)),
                "permissions": EdgeType(),
                "businesses": EdgeType(scopes=("business_management",)),
            },
        ),
        NodeType(  # a Business Manager portfolio: the Instagram accounts it owns and its clients'
            "Business",
            frozenset({"id", "name", "verification_status"}),
            defaults=("name", "id"),
            edges={
                "owned_instagram_accounts": EdgeType(scopes=("business_management",)),
                "client_instagram_accounts": EdgeType(scopes=("business_management",)),
            },
            scopes=("business_management",),
        ),
        NodeType(
            "Page",
            frozenset(
                {
                    "id",
                    "name",
                    "category",
                    "tasks",
                    "instagram_business_account",
                    "connected_instagram_account",
                    "about",
                    "link",
                }
            ),
            defaults=("name", "id"),
            list_defaults=("access_token", "name", "category", "tasks", "id"),
            scopes=("pages_show_list",),
        ),
        NodeType(
            "IGUser",
            frozenset(
                {
                    "id",
                    "ig_id",
                    "username",
                    "name",
                    "biography",
                    "website",
                    "profile_picture_url",
                    "followers_count",
                    "follows_count",
                    "media_count",
                    "has_profile_pic",
                    "is_published",
                    "legacy_instagram_user_id",
                    "owner_business",
                    "shopping_product_tag_eligibility",
                    # omitted: no shop, no review, a search that needs its own arguments
                    "shopping_review_status",
                    "mini_shop_storefront",
                    "collaborative_media_search",
                }
            ),
            edges={
                "media": _MEDIA_EDGE,
                "stories": EdgeType(scopes=("instagram_basic",)),
                "live_media": EdgeType(scopes=("instagram_basic",), time_filter=True),
                "recently_searched_hashtags": EdgeType(scopes=("instagram_basic",)),
                "content_publishing_limit": EdgeType(),
                "tags": EdgeType(
                    scopes=("instagram_basic", "instagram_manage_comments"), urls_in_paging=False
                ),
            },
            scopes=("instagram_basic",),
        ),
        NodeType(
            "IGMedia",
            frozenset(
                {
                    "id",
                    "caption",
                    "media_type",
                    "media_product_type",
                    "media_url",
                    "permalink",
                    "thumbnail_url",
                    "timestamp",
                    "username",
                    "owner",
                    "like_count",
                    "comments_count",
                    "is_comment_enabled",
                    "shortcode",
                    "is_shared_to_feed",
                    "view_count",
                    "alt_text",
                    "legacy_instagram_media_id",
                    "ig_id",
                    "audio_id",
                    "media_audio_type",
                    "boost_eligibility_info",
                    "copyright_check_information",
                    "is_ai_generated",
                    "has_poll",
                    "has_slider",
                    "saved_count",
                    "shares_count",
                    "reposts_count",
                    "total_like_count",
                    "total_comments_count",
                    "total_views_count",
                    "live_status",
                    "current_live_viewer_count",
                    # omitted: live media created through the API, legacy IGTV titles
                    "live_reactions",
                    "video_title",
                    *_INGEST_FIELDS,
                }
            ),
            edges={
                "children": EdgeType(scopes=("instagram_basic",)),
                "comments": _COMMENTS_EDGE,
                "collaborators": EdgeType(scopes=("instagram_basic",)),
            },
            scopes=("instagram_basic",),
        ),
        NodeType(
            "IGCollaborator",  # one collaborator of one post; its id is the user's
            frozenset({"id", "username", "invite_status"}),
            defaults=("id", "username", "invite_status"),
            scopes=("instagram_basic",),
            cacheable=False,
        ),
        NodeType(
            "IGComment",
            frozenset(
                {
                    "id",
                    "text",
                    "timestamp",
                    "username",
                    "like_count",
                    "hidden",
                    "from",
                    "parent_id",
                    "media",
                    "user",
                    "legacy_instagram_comment_id",
                }
            ),
            defaults=("timestamp", "text", "id"),
            edges={"replies": _COMMENTS_EDGE},
            scopes=("instagram_basic",),
        ),
        NodeType(
            "IGHashtag",
            frozenset({"id", "name"}),
            edges={"top_media": EdgeType(cap=50), "recent_media": EdgeType(cap=50)},
            scopes=("instagram_basic",),
        ),
        NodeType(
            "ShadowIGMediaBuilder",  # a publishing container, as Meta's SDK names it
            frozenset({"id", "status", "status_code", "copyright_check_status", "video_status"}),
            scopes=("instagram_basic", "instagram_content_publish"),
        ),
    ]
}
#: Fields computed per request from their modifiers, such as ``business_discovery.username(x)``.
SPECIAL_FIELDS = {
    "IGUser": frozenset({"business_discovery", "mentioned_media", "mentioned_comment"}),
    "Page": frozenset({"access_token"}),  # a Page token, minted for the asker
}

ALL_SCOPES = (
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "instagram_content_publish",
    "instagram_manage_contents",
    "pages_manage_metadata",  # a Page subscribing the app to webhooks
)
#: A business's system user also manages the business (its token never expires).
SYSTEM_USER_SCOPES = (*ALL_SCOPES, "business_management")
