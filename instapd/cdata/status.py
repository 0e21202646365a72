"""Every CData connection property and stored procedure, with what instapd does with it.

``supported``: the property of the same name works as CData's does (from
:data:`instapd.config.PROPERTIES`, so the page cannot drift from the code); ``partly
supported``: it does, except for the values :data:`PARTLY` names (refused at connect, with the
supported ones named); ``mapped``: what it
does is done another way, named in the note; ``not applicable``: why it has no use here.
:func:`markdown` is ``docs/cdata.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import PROPERTIES, Property, lookup_property
from ..errors import UnknownPropertyError
from .systables import PROCEDURES, SQL_INFO, SYSTEM_TABLES

#: CData's Instagram connection properties, by the driver's groups (peers-data-model.md 2.4).
CDATA_GROUPS: dict[str, tuple[str, ...]] = {
    "Authentication": ("BusinessAccountId", "Version", "AuthenticateAsPage"),
    "OAuth": (
        "InitiateOAuth",
        "OAuthClientId",
        "OAuthClientSecret",
        "OAuthAccessToken",
        "OAuthRefreshToken",
        "OAuthSettingsLocation",
        "CallbackURL",
        "Scope",
        "OAuthVerifier",
        "OAuthExpiresIn",
        "OAuthTokenTimestamp",
    ),
    "SSL": ("SSLServerCert",),
    "Firewall": (
        "FirewallType",
        "FirewallServer",
        "FirewallPort",
        "FirewallUser",
        "FirewallPassword",
    ),
    "Proxy": (
        "ProxyAutoDetect",
        "ProxyServer",
        "ProxyPort",
        "ProxyAuthScheme",
        "ProxyUser",
        "ProxyPassword",
        "ProxySSLType",
        "ProxyExceptions",
    ),
    "Logging": ("LogModules", "Logfile", "Verbosity", "MaxLogFileSize", "MaxLogFileCount"),
    "Schema": ("Location", "BrowsableSchemas", "Tables", "Views"),
    "Miscellaneous": (
        "MaxRows",
        "Other",
        "Pagesize",
        "PseudoColumns",
        "Timeout",
        "UserDefinedViews",
    ),
}
_FIREWALL = (
    "not applicable",
    "no tunnel of its own: a SOCKS proxy goes in ALL_PROXY=socks5://host:port (requests with "
    "PySocks), which ProxyAutoDetect honours",
)
#: The properties instapd has no property of the same name for: (status, why).
NOT_PROPERTIES: dict[str, tuple[str, str]] = {
    "OAuthRefreshToken": (
        "not applicable",
        "Facebook Login has no refresh token: RefreshOAuthAccessToken re-exchanges the "
        "long-lived token itself, and Instagram Login refreshes the access token",
    ),
    "OAuthVerifier": ("mapped", "the Verifier parameter of GetOAuthAccessToken"),
    "OAuthExpiresIn": (
        "mapped",
        "kept in the OAuthSettingsLocation token file (expires_at); GetOAuthAccessToken "
        "returns ExpiresIn",
    ),
    "OAuthTokenTimestamp": (
        "mapped",
        "kept in the OAuthSettingsLocation token file (issued_at)",
    ),
    "FirewallType": _FIREWALL,
    "FirewallServer": _FIREWALL,
    "FirewallPort": _FIREWALL,
    "FirewallUser": _FIREWALL,
    "FirewallPassword": _FIREWALL,
    "ProxySSLType": (
        "not applicable",
        "the proxy's own scheme is ProxyServer's (http:// or https://); HTTPS to the API "
        "always tunnels through it with CONNECT",
    ),
    "LogModules": ("mapped", "Verbosity 1-5 chooses what the LogFile holds"),
    "Location": ("not applicable", "no schema files: the tables are instapd's catalog"),
    "BrowsableSchemas": ("not applicable", "one schema, Instagram"),
    "Tables": (
        "not applicable",
        "every table is always there; read only the ones you name",
    ),
    "Views": ("mapped", "UserDefinedViews adds views; every catalog view is always there"),
}


#: Properties instapd supports but for some of CData's values: what is missing.
PARTLY: dict[str, str] = {
    "ProxyAuthScheme": "PROPRIETARY (a vendor's own scheme) is refused at connect; NTLM and "
    "NEGOTIATE authenticate HTTPS tunnels only (a plain http:// GraphURL through such a proxy "
    "is refused: list its host in ProxyExceptions); NEGOTIATE is SPNEGO with NTLM inside, or "
    "Kerberos when pyspnego finds a ticket",
    "SSLServerCert": "a bare public key (-----BEGIN PUBLIC KEY-----) is refused at connect: "
    "give the certificate or its thumbprint",
}


@dataclass(frozen=True)
class Status:
    """One CData property: its group, what instapd does with it, and the note."""

    name: str
    group: str
    status: str
    note: str
    python: str | None = None


def _known(name: str) -> Property | None:
    try:
        return lookup_property(name)
    except UnknownPropertyError:
        return None


def property_statuses() -> list[Status]:
    """Every CData property, in CData's groups."""
    rows = []
    for group, names in CDATA_GROUPS.items():
        for name in names:
            prop = _known(name)
            if prop is not None and name in PARTLY:
                note = f"{prop.description}. Not supported: {PARTLY[name]}"
                rows.append(Status(name, group, "partly supported", note, prop.python))
            elif prop is not None:
                rows.append(Status(name, group, "supported", prop.description, prop.python))
            else:
                status, note = NOT_PROPERTIES[name]
                rows.append(Status(name, group, status, note))
    return rows


def own_properties() -> list[Property]:
    """instapd's properties that CData does not have."""
    cdata = {n.lower() for names in CDATA_GROUPS.values() for n in names}
    return [p for p in PROPERTIES if p.cdata.lower() not in cdata]


def markdown() -> str:
    """``docs/cdata.md``, generated from the properties and procedures so it cannot drift."""
    lines = [
        "# CData compatibility",
        "",
        "instapd speaks the CData Instagram connector's language: its table names "
        "([CData's names](cdata-names.md)), its connection properties and stored procedures, "
        "its system tables and its SQL. This page is generated from `instapd/config.py` and "
        "`instapd/cdata/`; a test checks that it is current.",
        "",
        "## Connection properties",
        "",
        "Properties take CData's name or the python one, in any case, in a connection string "
        "(`Key=Value;...`), as keywords, or from `INSTAPD_*` environment variables. A value "
        "instapd does not know is refused with the valid ones named.",
        "",
        "| property | group | status | what it does (or why not) |",
        "|---|---|---|---|",
    ]
    for row in property_statuses():
        shown = f"`{row.name}`" + (f" (`{row.python}`)" if row.python else "")
        lines.append(f"| {shown} | {row.group} | {row.status} | {row.note or ''} |")
    lines += [
        "",
        "instapd's own properties, which CData does not have:",
        "",
        "| property | environment | what it does |",
        "|---|---|---|",
    ]
    for prop in own_properties():
        env = f"`{prop.env}`" if prop.env else ""
        lines.append(f"| `{prop.cdata}` (`{prop.python}`) | {env} | {prop.description} |")
    lines += [
        "",
        "## Stored procedures",
        "",
        "Call them with `connection.call(name, **parameters)`, `cursor.callproc`, or in SQL: "
        "`EXEC GetOAuthAuthorizationURL AuthMode='WEB', CallbackURL='https://...'` returns "
        "the procedure's row.",
        "",
        "| procedure | status | what it does | parameters |",
        "|---|---|---|---|",
    ]
    for name, (text, parameters) in PROCEDURES.items():
        shown = ", ".join(f"{p.name} ({p.direction})" for p in parameters)
        lines.append(f"| `{name}` | supported | {text} | {shown} |")
    lines += [
        "",
        "## SQL",
        "",
        "CData's SQL runs unchanged: `[bracketed]` names (`SELECT [Id] FROM [Media]`, "
        "`INSERT INTO [Replies] ([CommentId], [Text]) VALUES (?, ?)`) beside double-quoted "
        "ones, `EXEC`/`EXECUTE` of the procedures, and the system tables:",
        "",
        "| system table | what it holds |",
        "|---|---|",
    ]
    lines += [f"| `{s.name}` | {s.description} |" for s in SYSTEM_TABLES.values()]
    lines += [
        "",
        "Writes, each with `dry_run=True` (or `explain`) and a result row per row (`id`, "
        "`status`, `error`); `SELECT * FROM sys_identity` then lists them as CData does:",
        "",
        "| statement | what it does |",
        "|---|---|",
        "| `INSERT INTO Comments (media_id, text) VALUES ...` | comments on media (or `... "
        "SELECT`) |",
        "| `INSERT INTO Replies (comment_id, text) VALUES ...` | replies to comments |",
        "| `UPDATE Comments SET hidden = true WHERE ...` (and `Replies`) | hides or shows "
        "comments |",
        "| `UPDATE IGMedia SET comment_enabled = false WHERE ...` | turns comments off or on |",
        "| `UPDATE CollaborationInvites SET accept = true WHERE media_id = ...` | accepts "
        "(`false` declines; or `SET invite_status = 'Accepted'`/`'Declined'`) |",
        "| `DELETE FROM Comments WHERE ...` (and `Replies`, `IGMedia`) | deletes |",
        "| `INSERT INTO IGMedia (image_url, caption, title, ...) VALUES ...` (or `Media`) | "
        "publishes a post per row (instapd's, not CData's: `publish()` with Meta's container "
        "fields as columns, add-ons such as `cross_post_to_threads` included) |",
    ]
    lines += ["", "`sys_sqlinfo` says what the engine supports:", ""]
    lines += ["| name | value |", "|---|---|"]
    lines += [f"| `{name}` | {value} |" for name, value in SQL_INFO]
    return "\n".join(lines) + "\n"
