"""Connection properties: CData names, pythonic names, environment defaults, connection strings.

>>> config = Config.from_properties("OAuthAccessToken=abc;BusinessAccountId=178414", Version="24")
>>> config.business_account_id, config.version
('178414', 'v24.0')
>>> config
Config(access_token='***', business_account_id='178414', version='v24.0')
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .errors import UnknownPropertyError, UsageError
from .validation import graph_id, is_loopback, secure_url

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
#: Instagram Login's API root, dialog and code exchange (``AuthScheme=InstagramLogin``).
INSTAGRAM_GRAPH_URL = "https://graph.instagram.com"
INSTAGRAM_DIALOG_URL = "https://www.instagram.com/oauth/authorize"
INSTAGRAM_TOKEN_URL = "https://api.instagram.com/oauth/access_token"
FACEBOOK_LOGIN = "FacebookLogin"
INSTAGRAM_LOGIN = "InstagramLogin"
AUTH_SCHEMES = (FACEBOOK_LOGIN, INSTAGRAM_LOGIN)
DEFAULT_VERSION = "v25.0"
INITIATE_OAUTH_MODES = ("OFF", "GETANDREFRESH", "REFRESH")


def _version(value: str) -> str:
    match = re.fullmatch(r"v?(\d+)(?:\.(\d+))?", str(value).strip())
    if not match:
        raise UsageError(f"Version {value!r} is not a Graph API version; write it like 'v25.0'")
    return f"v{match[1]}.{match[2] or 0}"


def _bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{value!r} is not a boolean; use true or false")


def _positive_int(name: str, low: int = 1, high: int | None = None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: inf
            raise UsageError(f"{name} must be a whole number, not {value!r}") from None
        if number < low or (high is not None and number > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise UsageError(f"{name} must be {bound}, not {number}")
        return number

    return convert


def _seconds(name: str, high: float) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise UsageError(f"{name} must be a number of seconds, not {value!r}") from None
        if isinstance(value, bool) or not 0 < number <= high:  # NaN fails both comparisons
            raise UsageError(
                f"{name} must be more than 0 and at most {high:g} seconds, not {value!r}"
            )
        return number

    return convert


def _scopes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    if isinstance(value, list | tuple | set | frozenset) and all(isinstance(s, str) for s in value):
        return tuple(value)
    raise UsageError(
        f"Scope must be a comma-separated string or a list of scope names, not {value!r}"
    )


def _id(name: str) -> Callable[[Any], str]:
    return lambda value: graph_id(value, name)


def _url(name: str) -> Callable[[Any], str]:
    return lambda value: secure_url(value, name)


def _initiate(value: Any) -> str:
    mode = str(value).strip().upper()
    if mode not in INITIATE_OAUTH_MODES:
        raise UsageError(f"InitiateOAuth must be one of {', '.join(INITIATE_OAUTH_MODES)}")
    return mode


def _scheme(value: Any) -> str:
    scheme = {s.lower(): s for s in AUTH_SCHEMES}.get(str(value).strip().lower())
    if scheme is None:
        raise UsageError(
            f"AuthScheme must be FacebookLogin (an Instagram account linked to a Facebook Page) "
            f"or InstagramLogin (Instagram's own login, no Page), not {value!r}"
        )
    return scheme


def _naming(value: Any) -> str:
    names = {"graph": "Graph", "cdata": "CData"}
    naming = names.get(str(value).strip().lower())
    if naming is None:
        raise UsageError(
            f"ColumnNames must be Graph (the Graph API's field names) or CData (the CData "
            f"connector's column names), not {value!r}"
        )
    return naming


@dataclass(frozen=True)
class Property:
    """One connection property: its CData name, python name, environment variable, converter."""

    cdata: str
    python: str
    env: str | None
    convert: Callable[[Any], Any] = str
    secret: bool = False


PROPERTIES: tuple[Property, ...] = (
    Property("OAuthAccessToken", "access_token", "INSTAPD_ACCESS_TOKEN", secret=True),
    Property(
        "BusinessAccountId",
        "business_account_id",
        "INSTAPD_BUSINESS_ACCOUNT_ID",
        _id("BusinessAccountId"),
    ),
    Property("OAuthClientId", "client_id", "INSTAPD_APP_ID", _id("OAuthClientId")),
    Property("OAuthClientSecret", "client_secret", "INSTAPD_APP_SECRET", secret=True),
    Property("InitiateOAuth", "initiate_oauth", "INSTAPD_INITIATE_OAUTH", _initiate),
    Property("OAuthSettingsLocation", "oauth_settings_location", "INSTAPD_OAUTH_SETTINGS"),
    Property("CallbackURL", "callback_url", "INSTAPD_CALLBACK_URL", _url("CallbackURL")),
    Property(
        "OAuthAuthorizationURL", "dialog_url", "INSTAPD_DIALOG_URL", _url("OAuthAuthorizationURL")
    ),
    Property("OAuthAccessTokenURL", "token_url", "INSTAPD_TOKEN_URL", _url("OAuthAccessTokenURL")),
    Property("AuthScheme", "auth_scheme", "INSTAPD_AUTH_SCHEME", _scheme),
    Property("Scope", "scope", "INSTAPD_SCOPE", _scopes),
    Property("Version", "version", "INSTAPD_VERSION", _version),
    Property("Timeout", "timeout", "INSTAPD_TIMEOUT", _positive_int("Timeout", 1, 86400)),
    Property("Pagesize", "page_size", "INSTAPD_PAGESIZE", _positive_int("Pagesize", 1, 100)),
    Property("MaxRows", "max_rows", "INSTAPD_MAXROWS", _positive_int("MaxRows", -1, 10**12)),
    Property("GraphURL", "graph_url", "INSTAPD_GRAPH_URL", _url("GraphURL")),
    Property("Sandbox", "sandbox", "INSTAPD_SANDBOX", _bool),
    Property("Cache", "cache", "INSTAPD_CACHE", _bool),
    Property("CacheLocation", "cache_location", "INSTAPD_CACHE_DIR"),
    Property(
        "CacheMaxAge",
        "cache_max_age",
        "INSTAPD_CACHE_MAX_AGE",
        _positive_int("CacheMaxAge", 0, 100 * 365 * 86400),
    ),
    Property("Offline", "offline", "INSTAPD_OFFLINE", _bool),
    Property("ColumnNames", "column_names", "INSTAPD_COLUMN_NAMES", _naming),
    Property("SnapshotLocation", "snapshot_location", "INSTAPD_SNAPSHOT_DIR"),
    Property("SqlTimeout", "sql_timeout", "INSTAPD_SQL_TIMEOUT", _seconds("SqlTimeout", 86400)),
    Property(
        "SqlMemoryLimit",
        "sql_memory_limit",
        "INSTAPD_SQL_MEMORY_LIMIT",
        _positive_int("SqlMemoryLimit", 16, 1024 * 1024),
    ),
)
_BY_NAME: dict[str, Property] = {
    name.lower(): prop for prop in PROPERTIES for name in (prop.cdata, prop.python)
}


@dataclass(frozen=True, repr=False)
class Config:
    """Resolved connection properties. Secrets never show in the repr."""

    access_token: str | None = None
    business_account_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    initiate_oauth: str = "OFF"
    oauth_settings_location: str | None = None
    callback_url: str = "https://localhost:33333/"
    dialog_url: str | None = None
    token_url: str | None = None
    auth_scheme: str = FACEBOOK_LOGIN
    scope: tuple[str, ...] | None = None
    version: str = DEFAULT_VERSION
    timeout: int = 60
    page_size: int = 100
    max_rows: int = -1
    graph_url: str = DEFAULT_GRAPH_URL
    sandbox: bool = False
    cache: bool = True
    cache_location: str | None = None
    cache_max_age: int = 3600
    offline: bool = False
    column_names: str = "Graph"
    snapshot_location: str | None = None
    sql_timeout: float = 60.0
    sql_memory_limit: int = 1024

    def __post_init__(self) -> None:
        if self.auth_scheme == INSTAGRAM_LOGIN and self.graph_url == DEFAULT_GRAPH_URL:
            # Instagram Login's tokens work on graph.instagram.com only
            object.__setattr__(self, "graph_url", INSTAGRAM_GRAPH_URL)
        if self.cache_location is None and not os.environ.get("INSTAPD_CACHE_DIR") and self.local:
            # the sandbox's reads stay out of the user's cache: a folder of their own
            object.__setattr__(self, "cache_location", sandbox_cache_location())

    def __repr__(self) -> str:
        shown = [
            f"{prop.python}={'***' if prop.secret else getattr(self, prop.python)!r}"
            for prop in PROPERTIES
            if getattr(self, prop.python) != getattr(_DEFAULTS, prop.python)
        ]
        return f"Config({', '.join(shown)})"

    @classmethod
    def from_properties(
        cls,
        connection_string: str | None = None,
        /,
        *,
        environ: Mapping[str, str] | None = None,
        **properties: Any,
    ) -> Config:
        """Environment defaults, overridden by the connection string, overridden by keywords."""
        environ = os.environ if environ is None else environ
        if connection_string is not None and not isinstance(connection_string, str):
            raise UsageError(
                "The connection string must be text such as 'OAuthAccessToken=...;Version=25', "
                f"not {type(connection_string).__name__}; or pass properties as keywords."
            )
        values: dict[str, Any] = {}
        for prop in PROPERTIES:
            if prop.env and environ.get(prop.env, "") != "":
                values[prop.python] = prop.convert(environ[prop.env])
        given = parse_connection_string(connection_string or "")
        given.update(properties)
        explicit = set()
        for name, value in given.items():
            prop = lookup_property(name)
            if value is not None:
                values[prop.python] = prop.convert(value)
                explicit.add(prop.python)
        if "graph_url" in explicit and "sandbox" not in explicit:
            values.pop("sandbox", None)  # a GraphURL given here beats INSTAPD_SANDBOX=1
        return cls(**values)

    @property
    def local(self) -> bool:
        """True when reads come from a Graph API on this machine: ``Sandbox``, or a
        ``GraphURL`` on loopback (a sandbox started with ``instapd.sandbox.Sandbox``)."""
        return self.sandbox or is_loopback(self.graph_url)

    @property
    def instagram_login(self) -> bool:
        """True under ``AuthScheme=InstagramLogin``: graph.instagram.com, no Facebook Page."""
        return self.auth_scheme == INSTAGRAM_LOGIN

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)


def sandbox_cache_location() -> str:
    """Where the sandbox's reads are cached unless ``CacheLocation`` says otherwise: apart from
    the user's cache (``instapd.cache.entries()``), so that its entries never mix with real ones."""
    import platformdirs

    return platformdirs.user_cache_dir("instapd-sandbox")


_DEFAULTS = Config()


def lookup_property(name: str) -> Property:
    """The property called ``name`` (CData or python spelling, any case)."""
    prop = _BY_NAME.get(name.lower())
    if prop is None:
        known = [p.cdata for p in PROPERTIES] + [p.python for p in PROPERTIES]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        close += [k for k in known if k.lower() == name.lower().replace("_", "")]
        hint = f" Did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
        raise UnknownPropertyError(
            f"Unknown connection property {name!r}.{hint} Known properties: "
            + ", ".join(p.cdata for p in PROPERTIES)
        )
    return prop


def parse_connection_string(text: str) -> dict[str, str]:
    """``"Key=Value;Other='a;b'"`` -> dict. Values may be quoted with ' or "."""
    result: dict[str, str] = {}
    pattern = re.compile(r"\s*([^=;]+?)\s*=\s*(\"[^\"]*\"|'[^']*'|[^;]*)\s*(?:;|$)")
    position = 0
    text = text.strip()
    while position < len(text):
        match = pattern.match(text, position)
        if not match:
            raise UsageError(
                f"Cannot read the connection string at character {position}: "
                "write it as Key=Value;Key=Value"
            )
        value = match[2]
        if value[:1] in ("'", '"') and (len(value) < 2 or value[-1] != value[0]):
            raise UsageError(
                f"The connection string has an unbalanced {value[0]} in {match[1]!r}: close the "
                "quote, as in Key='a;b'"
            )
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        result[match[1]] = value
        position = match.end()
    return result


__all__ = [
    "AUTH_SCHEMES",
    "DEFAULT_GRAPH_URL",
    "DEFAULT_VERSION",
    "FACEBOOK_LOGIN",
    "INITIATE_OAUTH_MODES",
    "INSTAGRAM_DIALOG_URL",
    "INSTAGRAM_GRAPH_URL",
    "INSTAGRAM_LOGIN",
    "INSTAGRAM_TOKEN_URL",
    "PROPERTIES",
    "Config",
    "Property",
    "lookup_property",
    "parse_connection_string",
]
