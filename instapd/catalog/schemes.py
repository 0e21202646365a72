"""Which login each table works with, and Instagram Login's names for the scopes. Data only.

Instagram Login (``graph.instagram.com``) has no Facebook Pages, no hashtag search and no
business discovery; ``/me`` is the Instagram account itself, and it cannot list the token's
permissions. Every other table works under both schemes.
"""

from __future__ import annotations

from ..config import AUTH_SCHEMES, FACEBOOK_LOGIN, INSTAGRAM_LOGIN
from ..errors import AuthSchemeError

#: Tables Meta serves with Facebook Login only.
FACEBOOK_LOGIN_ONLY = frozenset(
    {
        "Pages",
        "InstagramPages",
        "Permissions",
        "HashtagSearch",
        "HashtagTopMedia",
        "HashtagRecentMedia",
        "RecentlySearchedHashtags",
        "BusinessDiscovery",
        "BusinessDiscoveryMedia",
    }
)

#: Facebook Login's scope -> Instagram Login's scope that allows the same (``pages_*`` have none).
INSTAGRAM_SCOPES = {
    "instagram_basic": "instagram_business_basic",
    "instagram_manage_comments": "instagram_business_manage_comments",
    "instagram_manage_insights": "instagram_business_manage_insights",
    "instagram_content_publish": "instagram_business_content_publish",
}

#: What ``Scope`` defaults to under Instagram Login.
INSTAGRAM_DEFAULT_SCOPES = (
    "instagram_business_basic",
    "instagram_business_manage_comments",
    "instagram_business_manage_insights",
    "instagram_business_content_publish",
)


def table_schemes(table: str) -> tuple[str, ...]:
    """The ``AuthScheme`` values under which ``table`` (its catalog name) can be read."""
    return (FACEBOOK_LOGIN,) if table in FACEBOOK_LOGIN_ONLY else AUTH_SCHEMES


def check_table_scheme(table: str, scheme: str) -> None:
    """Refuse, before any request, a table that ``scheme`` does not serve."""
    if scheme not in table_schemes(table):
        raise AuthSchemeError(
            f"{table} needs AuthScheme=FacebookLogin: Instagram Login (AuthScheme={scheme}) has "
            "no Facebook Pages, hashtag search, business discovery or permissions list. Connect "
            "with AuthScheme=FacebookLogin and an account linked to a Facebook Page to read it."
        )


def scopes_for(scopes: tuple[str, ...], scheme: str) -> tuple[str, ...]:
    """``scopes`` (Facebook Login's names, as the catalog lists them) in ``scheme``'s names."""
    if scheme != INSTAGRAM_LOGIN:
        return scopes
    named = (INSTAGRAM_SCOPES.get(s, s if s in INSTAGRAM_DEFAULT_SCOPES else "") for s in scopes)
    return tuple(dict.fromkeys(s for s in named if s))


def facebook_names(scopes: tuple[str, ...]) -> frozenset[str]:
    """Instagram Login scopes as the Facebook Login scopes the catalog lists (the reverse)."""
    back = {ig: fb for fb, ig in INSTAGRAM_SCOPES.items()}
    return frozenset(back.get(s, s) for s in scopes)
