"""Pages, linked Instagram accounts, profiles and granted permissions."""

from __future__ import annotations

from .base import ACCOUNT_ID, Column, Hop, Table

_PAGE_SCOPES = ("pages_show_list",)
_PROFILE_SCOPES = ("instagram_basic", "pages_show_list", "pages_read_engagement")

_PAGE_COLUMNS = (
    Column("id", "id", "Facebook Page id"),
    Column("name", "string", "Page name"),
    Column("category", "string", "Page category"),
    Column("tasks", "list", "What the token's user may do on the Page"),
    Column(
        "instagram_business_account_id",
        "id",
        "The Instagram business account linked to the Page (NA when none is)",
        "instagram_business_account.id",
    ),
    Column(
        "instagram_business_account_username",
        "string",
        "That account's username",
        "instagram_business_account.username",
    ),
)

TABLES = (
    Table(
        "Pages",
        "Facebook Pages the token's user can act on, with their linked Instagram account if any",
        _PAGE_COLUMNS,
        hops=(Hop("accounts"),),
        scopes=_PAGE_SCOPES,
        scope="user",
    ),
    Table(
        "InstagramPages",
        "The Facebook Pages linked to the chosen Instagram business accounts",
        (ACCOUNT_ID, *_PAGE_COLUMNS),
        hops=(Hop("accounts"),),
        scopes=_PAGE_SCOPES,
        scope="linked",
        linked_column="instagram_business_account_id",
    ),
    Table(
        "InstagramBusinessProfile",
        "The profile of each chosen Instagram business account: one row per account",
        (
            ACCOUNT_ID,
            Column("id", "id", "Instagram business account id"),
            Column("ig_id", "id", "Legacy Instagram user id"),
            Column("username", "string", "Username"),
            Column("name", "string", "Profile name"),
            Column("biography", "string", "Biography"),
            Column("website", "string", "Website"),
            Column("profile_picture_url", "string", "Profile picture URL (expires)"),
            Column("followers_count", "int", "Followers"),
            Column("follows_count", "int", "Accounts followed"),
            Column("media_count", "int", "Media published"),
        ),
        hops=(),
        scopes=_PROFILE_SCOPES,
    ),
    Table(
        "Permissions",
        "The permissions (scopes) granted to the token, and their status",
        (
            Column("permission", "string", "Scope name"),
            Column("status", "string", "granted or declined"),
        ),
        hops=(Hop("permissions"),),
        scopes=(),
        scope="user",
    ),
)
