"""What one request asks of the sandbox: its token, API version, parameters and link root."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote_plus, urlencode

from ..catalog.versions import DEFAULT, serving_version
from .failures import NO_PERMISSION, GraphFailure
from .tokens import IssuedToken

VERSION = re.compile(r"^v(\d+)\.(\d+)$")
DEFAULT_VERSION = DEFAULT
_LOGGED_PARAMS = ("fields", "metric", "limit", "after", "since", "until", "breakdown")


@dataclass
class Call:
    """What one request asks: its token, version, params, and where paging links point."""

    token: IssuedToken
    token_value: str | None
    version: str
    params: dict[str, str]
    root: str


def split_version(path: str, today: date | None = None) -> tuple[str, list[str]]:
    """A path's API version (the default when absent) and its remaining segments.

    As Meta: an expired version is answered by the oldest one still served; a version Meta never
    released is an unknown path component (code 2500).
    """
    segments = path.strip("/").split("/")  # the non-empty segments, as a filter keeps them
    if "" in segments:
        segments = [s for s in segments if s]
    if segments and VERSION.match(segments[0]):
        served = _serving(segments[0], today or datetime.now(UTC).date())
        if served is None:
            raise GraphFailure(2500, f"Unknown path components: /{segments[0]}")
        return served, segments[1:]
    if segments and segments[0].startswith("v") and segments[0][1:2].isdigit():
        raise GraphFailure(2500, f"Unknown path components: /{segments[0]}")
    return DEFAULT_VERSION, segments


@functools.lru_cache(maxsize=256)
def _serving(name: str, today: date) -> str | None:
    """:func:`serving_version`, worked out once a day per version asked."""
    return serving_version(name, today)


#: Scopes whose absence Meta answers with code 200 ("Requires X permission"); others get code 10.
CODE_200_SCOPES = ("instagram_content_publish", "instagram_manage_messages")


def require(token: IssuedToken, scopes: tuple[str, ...]) -> None:
    """Refuse, as Meta does, a token that lacks one of ``scopes`` (code 200 or 10)."""
    missing = [s for s in scopes if s not in token.scopes]
    if not missing:
        return
    for scope in missing:
        if scope in CODE_200_SCOPES:
            raise GraphFailure(200, f"(#200) Requires {scope} permission", status=403)
    raise GraphFailure(10, NO_PERMISSION, status=403)


#: Parameters whose values are secrets: quoted each time, never kept in a cache.
_SECRET_PARAMS = frozenset({"access_token", "appsecret_proof", "input_token", "client_secret"})


def query_string(params: Mapping[str, str]) -> str:
    """``urlencode(params)`` for str keys and values, the same text, with each value but a
    secret quoted once: paging links repeat their ``fields`` and ``limit`` on every page."""
    return "&".join(
        f"{_quoted(key)}={quote_plus(value) if key in _SECRET_PARAMS else _quoted(value)}"
        for key, value in params.items()
    )


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote_plus(text)


def describe(method: str, path: str, params: Mapping[str, str]) -> str:
    """A log line for a request, without its token: method, path, fields and paging params."""
    shown = {k: v for k, v in params.items() if k in _LOGGED_PARAMS}
    return f"{method} {path}" + (f"?{urlencode(shown)}" if shown else "")
