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

from .catalog.versions import BY_NAME as _VERSIONS
from .catalog.versions import DEFAULT as _DEFAULT_VERSION
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
DEFAULT_VERSION = _DEFAULT_VERSION
INITIATE_OAUTH_MODES = ("OFF", "GETANDREFRESH", "REFRESH")


def _version(value: Any) -> str:
    text = "" if isinstance(value, bool) else str(value).strip()
    match = re.fullmatch(r"v?(\d+)(?:\.(\d+))?", text)
    if not match:
        raise UsageError(
            f"Version {value!r} is not a Graph API version; write it like 'v25.0' (one of "
            + ", ".join(_VERSIONS)
            + ")"
        )
    version = f"v{match[1]}.{match[2] or 0}"
    if version not in _VERSIONS:
        raise UsageError(
            f"Version {value!r} is not a Graph API version Meta has released; use one of "
            + ", ".join(_VERSIONS)
        )
    return version


def _bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise UsageError(f"{value!r} is not a boolean; use true or false")


def _positive_int(name: str, low: int = 1, high: int | None = None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        wrong = f"{name} must be a whole number such as {max(low, 1)}, not {value!r}"
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not (whole or isinstance(value, str)):
            raise UsageError(wrong)  # True would be 1, and 1.5 would be 1
        try:
            number = int(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, OverflowError):  # OverflowError: inf
            raise UsageError(wrong) from None
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


def _choice(name: str, choices: tuple[str, ...], why: str = "") -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        chosen = {c.lower(): c for c in choices}.get(str(value).strip().lower())
        if chosen is None:
            raise UsageError(f"{name} must be one of {', '.join(choices)}, not {value!r}{why}")
        return chosen

    return convert


_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def _size(value: Any) -> int:
    """``MaxLogFileSize``: bytes, or a number with KB, MB or GB (CData's ``100MB``)."""
    match = _SIZE.match(str(value))
    if not match:
        raise UsageError(
            f"MaxLogFileSize must be a size such as 100MB, 512KB or 1048576, not {value!r}"
        )
    size = int(match[1]) * _SIZE_UNITS[(match[2] or "B").upper()]
    if size < 100 * 1024:
        raise UsageError(f"MaxLogFileSize must be at least 100KB, not {value!r}")
    return size


def _hosts(value: Any) -> tuple[str, ...]:
    """``ProxyExceptions``: hosts separated by semicolons or commas."""
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(h.strip() for h in re.split(r"[;,]", str(value)) if h.strip())


def _pseudo_columns(value: Any) -> tuple[tuple[str, str], ...]:
    """``PseudoColumns``: ``Table=Column`` pairs, commas between; ``*`` stands for all."""
    from .catalog import TABLES

    pairs = []
    for entry in (e.strip() for e in str(value).split(",") if e.strip()):
        table, sep, column = (part.strip() for part in entry.partition("="))
        if not sep or not table or not column:
            raise UsageError(f"PseudoColumns takes Table=Column pairs such as '*=*', not {entry!r}")
        known = TABLES.get(table.lower())
        if table != "*" and known is None:
            raise UsageError(
                f"PseudoColumns names {table!r}, which is no table; use * or one of "
                + ", ".join(t.name for t in TABLES.values() if t.filters)
            )
        filters = [f.name for f in known.filters] if known else []
        if known and column != "*" and column not in filters:
            raise UsageError(
                f"{known.name} has no pseudo column {column!r}; its pseudo columns: "
                + (", ".join(filters) or "none")
            )
        pairs.append((known.name if known else "*", column))
    return tuple(pairs)


@dataclass(frozen=True)
class Property:
    """One connection property: its CData name, python name, environment variable, converter,
    and what the docs and ``sys_connection_props`` say of it."""

    cdata: str
    python: str
    env: str | None
    convert: Callable[[Any], Any] = str
    secret: bool = False
    category: str = "Miscellaneous"
    description: str = ""


_LOG, _PROXY, _SSL = "Logging", "Proxy", "SSL"
PROXY_AUTH_SCHEMES = ("BASIC", "DIGEST", "NTLM", "NEGOTIATE", "NONE")

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
    Property(
        "AuthenticateAsPage",
        "authenticate_as_page",
        "INSTAPD_AUTHENTICATE_AS_PAGE",
        category="Authentication",
        description="A Page (id or name) whose Page access token every call uses instead of "
        "the user's token",
    ),
    Property(
        "UserDefinedViews",
        "user_defined_views",
        "INSTAPD_USER_DEFINED_VIEWS",
        description='A JSON file of named queries, {"View": {"query": "SELECT ..."}}, that '
        "read_instagram, tables() and SQL treat as views",
    ),
    Property(
        "PseudoColumns",
        "pseudo_columns",
        "INSTAPD_PSEUDO_COLUMNS",
        _pseudo_columns,
        description="Table=Column pairs (* for all) of the tables' input-only columns (filters "
        "such as period, media_id) to list in sys_tablecolumns",
    ),
    Property(
        "Other",
        "other",
        None,
        category="Miscellaneous",
        description="More properties as one Key=Value;... string; each must be a property "
        "named here",
    ),
    Property(
        "Logfile",
        "log_file",
        "INSTAPD_LOG_FILE",
        category=_LOG,
        description="A file that logs every request (method, path, status, time), never a secret",
    ),
    Property(
        "Verbosity",
        "verbosity",
        "INSTAPD_VERBOSITY",
        _positive_int("Verbosity", 1, 5),
        category=_LOG,
        description="1: requests and timings; 2: and their parameters; 3: and the answers' "
        "usage headers; 4-5: and the HTTP library's own debug lines",
    ),
    Property(
        "MaxLogFileSize",
        "max_log_file_size",
        "INSTAPD_MAX_LOG_FILE_SIZE",
        _size,
        category=_LOG,
        description="Size at which the log file rolls over (100MB, 512KB; at least 100KB)",
    ),
    Property(
        "MaxLogFileCount",
        "max_log_file_count",
        "INSTAPD_MAX_LOG_FILE_COUNT",
        _positive_int("MaxLogFileCount", -1),
        category=_LOG,
        description="Rolled-over log files kept (-1: no limit)",
    ),
    Property(
        "ProxyAutoDetect",
        "proxy_auto_detect",
        "INSTAPD_PROXY_AUTO_DETECT",
        _bool,
        category=_PROXY,
        description="Use the proxy the environment names (HTTPS_PROXY, NO_PROXY), as requests "
        "does; ProxyServer wins over it",
    ),
    Property(
        "ProxyServer",
        "proxy_server",
        "INSTAPD_PROXY_SERVER",
        category=_PROXY,
        description="Host name or IP address of an HTTP proxy that all traffic goes through, "
        "logins included",
    ),
    Property(
        "ProxyPort",
        "proxy_port",
        "INSTAPD_PROXY_PORT",
        _positive_int("ProxyPort", 1, 65535),
        category=_PROXY,
        description="The proxy's TCP port",
    ),
    Property(
        "ProxyAuthScheme",
        "proxy_auth_scheme",
        "INSTAPD_PROXY_AUTH_SCHEME",
        _choice(
            "ProxyAuthScheme",
            PROXY_AUTH_SCHEMES,
            " (PROPRIETARY, a vendor's own scheme, is not supported: use the one of these your "
            "proxy asks for in its Proxy-Authenticate header)",
        ),
        category=_PROXY,
        description="BASIC (ProxyUser and ProxyPassword with every request), DIGEST, NTLM or "
        "NEGOTIATE (the proxy's challenge answered, on the CONNECT of HTTPS; NTLM and NEGOTIATE "
        "need pip install 'instapd[proxy]'), or NONE",
    ),
    Property(
        "ProxyUser",
        "proxy_user",
        "INSTAPD_PROXY_USER",
        category=_PROXY,
        description="User name for the proxy",
    ),
    Property(
        "ProxyPassword",
        "proxy_password",
        "INSTAPD_PROXY_PASSWORD",
        secret=True,
        category=_PROXY,
        description="Password for the proxy",
    ),
    Property(
        "ProxyExceptions",
        "proxy_exceptions",
        "INSTAPD_PROXY_EXCEPTIONS",
        _hosts,
        category=_PROXY,
        description="Hosts reached directly, not through ProxyServer (semicolons between)",
    ),
    Property(
        "SSLServerCert",
        "ssl_server_cert",
        "INSTAPD_SSL_SERVER_CERT",
        category=_SSL,
        description="The certificate to trust for TLS instead of the system's: a PEM file's path, "
        "the PEM text, the certificate's SHA-1 or SHA-256 thumbprint (pinned), or * (any: "
        "warns)",
    ),
)
#: What the first properties are for (category, description): docs/cdata.md and
#: sys_connection_props show it.
_ABOUT = {
    "OAuthAccessToken": ("OAuth", "The access token to call with when InitiateOAuth=OFF"),
    "BusinessAccountId": (
        "Authentication",
        "The Instagram business account to read by default (else the only linked one)",
    ),
    "OAuthClientId": ("OAuth", "Your Meta app's App ID"),
    "OAuthClientSecret": ("OAuth", "Your Meta app's App Secret (appsecret_proof, code exchange)"),
    "InitiateOAuth": (
        "OAuth",
        "OFF (use OAuthAccessToken), GETANDREFRESH (log in once, then reuse and renew), REFRESH",
    ),
    "OAuthSettingsLocation": ("OAuth", "The token file (0600) kept between connections"),
    "CallbackURL": ("OAuth", "The redirect URI registered in your Meta app"),
    "OAuthAuthorizationURL": ("OAuth", "The login dialog's URL (Facebook's, by default)"),
    "OAuthAccessTokenURL": ("OAuth", "Where codes are exchanged (the Graph API's, by default)"),
    "AuthScheme": (
        "Authentication",
        "FacebookLogin (an account linked to a Page) or InstagramLogin (no Page)",
    ),
    "Scope": ("OAuth", "The permissions a login asks for"),
    "Version": ("Authentication", "The Graph API version to call (v25.0; v26.0 and v27.0 too)"),
    "Timeout": ("Connection", "Seconds to wait for an answer"),
    "Pagesize": ("Miscellaneous", "Rows per API page (1-100)"),
    "MaxRows": ("Miscellaneous", "At most this many rows per read (-1: all)"),
    "GraphURL": ("Connection", "The API root (graph.facebook.com; a sandbox's URL)"),
    "Sandbox": ("Connection", "Read the built-in sandbox's sample data"),
    "Cache": ("Caching", "Read through the Parquet cache"),
    "CacheLocation": ("Caching", "The cache folder"),
    "CacheMaxAge": ("Caching", "Seconds a cache entry is served without a request"),
    "Offline": ("Caching", "Serve only from the cache; never call the API"),
    "ColumnNames": ("Miscellaneous", "Graph (field names) or CData (CData's column names)"),
    "SnapshotLocation": ("Caching", "Where snapshot() keeps its history dataset"),
    "SqlTimeout": ("Miscellaneous", "Seconds one SQL statement may run before it is stopped"),
    "SqlMemoryLimit": ("Miscellaneous", "MB of memory one SQL statement may use"),
}
PROPERTIES = tuple(
    replace(p, category=_ABOUT[p.cdata][0], description=_ABOUT[p.cdata][1])
    if p.cdata in _ABOUT
    else p
    for p in PROPERTIES
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
    authenticate_as_page: str | None = None
    user_defined_views: str | None = None
    pseudo_columns: tuple[tuple[str, str], ...] = ()
    other: str | None = None
    log_file: str | None = None
    verbosity: int = 1
    max_log_file_size: int = 100 * 1024**2
    max_log_file_count: int = -1
    proxy_auto_detect: bool = True
    proxy_server: str | None = None
    proxy_port: int = 80
    proxy_auth_scheme: str = "BASIC"
    proxy_user: str | None = None
    proxy_password: str | None = None
    proxy_exceptions: tuple[str, ...] = ()
    ssl_server_cert: str | None = None

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
        given: dict[str, Any] = parse_connection_string(connection_string or "")
        given.update(properties)
        other = next((v for k, v in given.items() if k.lower() == "other" and v), None)
        if other is not None:  # Other's entries, under what is named outright
            inner = parse_connection_string(str(other))
            for name in inner:
                if lookup_property(name).cdata == "Other":
                    raise UsageError("Other cannot hold another Other.")
            named = {lookup_property(k).python for k in given}
            given = {
                **{k: v for k, v in inner.items() if lookup_property(k).python not in named},
                **given,
            }
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
