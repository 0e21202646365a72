"""Every bad input a user can give, one row each: the exact typed error, and a message naming
the fix. Rows cover the public functions, every CLI command and every connection property.

A CLI row runs the command twice: through :func:`instapd.cli.run` for the error class, and
through :func:`instapd.cli.main` for what the user sees: one line on stderr and exit code 2.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import instapd
import instapd.cache
from instapd import cli
from instapd.auth.credentials import Credentials
from instapd.config import PROPERTIES, Config
from instapd.graph import GraphClient
from instapd.sandbox import Sandbox

E = instapd  # the error classes, shortly
CommandLineError = cli.CommandLineError


@dataclass
class Env:
    sandbox: Sandbox
    account: str
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch

    def connect(self, **props: Any) -> instapd.Connection:
        settings = {"graph_url": self.sandbox.url, "access_token": self.sandbox.token}
        return instapd.connect(**{**settings, **props})

    def read(self, table: str, **options: Any) -> Any:
        return self.connect().read(table, **options)

    def web(self, **props: Any) -> instapd.Connection:
        return self.connect(
            OAuthClientId=self.sandbox.oauth_app.app_id,
            OAuthClientSecret=self.sandbox.oauth_app.app_secret,
            OAuthAuthorizationURL=self.sandbox.dialog_url,
            CallbackURL="https://hub.example.org/cb",
            **props,
        )

    def env(self, name: str, value: str) -> Env:
        self.monkeypatch.setenv(name, value)
        return self

    def stored(self, content: bytes) -> Any:
        """A REFRESH read with ``content`` as the token file."""
        path = self.tmp_path / "token.json"
        path.write_bytes(content)
        connection = self.web(InitiateOAuth="REFRESH", OAuthSettingsLocation=str(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return connection.read("Pages")


@dataclass(frozen=True)
class Bad:
    name: str
    error: type[Exception]
    fix: str  # a regular expression the message must match: what to do
    call: Callable[[Env], Any] | None = None
    argv: tuple[str, ...] = ()
    environ: tuple[tuple[str, str], ...] = ()


def row(name: str, error: type[Exception], fix: str, call: Callable[[Env], Any]) -> Bad:
    return Bad(name, error, fix, call=call)


def command(name: str, error: type[Exception], fix: str, *argv: str, **environ: str) -> Bad:
    return Bad(name, error, fix, argv=argv, environ=tuple(environ.items()))


PROPERTY_ROWS = [
    row("unknown property", E.UnknownPropertyError, "Known properties",
        lambda e: instapd.connect(Bogus=1)),
    row("misspelt property", E.UnknownPropertyError, "Did you mean Timeout",
        lambda e: instapd.connect(Timout=5)),
    row("OAuthAccessToken in a bad string", E.UsageError, "close the quote",
        lambda e: instapd.connect("OAuthAccessToken='abc;Version=25")),
    row("connection string without =", E.UsageError, "Key=Value",
        lambda e: instapd.connect("just some words")),
    row("connection string not text", E.UsageError, "pass properties as keywords",
        lambda e: instapd.connect(123)),
    row("BusinessAccountId with a path", E.UsageError, "ASCII digits only",
        lambda e: instapd.connect(BusinessAccountId="17841400000000001/media?x=/../../escaped")),
    row("BusinessAccountId in other digits", E.UsageError, "ASCII digits only",
        lambda e: instapd.connect(BusinessAccountId="١٧٨٤١٤")),
    row("BusinessAccountId empty", E.UsageError, "ASCII digits only",
        lambda e: instapd.connect(BusinessAccountId="")),
    row("BusinessAccountId from the environment", E.UsageError, "BusinessAccountId must be",
        lambda e: e.env("INSTAPD_BUSINESS_ACCOUNT_ID", "me").connect()),
    row("OAuthClientId with path segments", E.UsageError, "OAuthClientId must be a Graph id",
        lambda e: instapd.connect(OAuthClientId="../../elsewhere")),
    row("OAuthClientId with a space", E.UsageError, "ASCII digits only",
        lambda e: instapd.connect(OAuthClientId="12 34")),
    row("OAuthClientSecret over plain HTTP", E.UsageError, "GraphURL .*Use https://",
        lambda e: instapd.connect(OAuthClientSecret="s", GraphURL="http://graph.example.com")),
    row("OAuthAccessToken over plain HTTP", E.UsageError, "Use https://",
        lambda e: e.env("INSTAPD_GRAPH_URL", "http://10.0.0.8:8080").connect()),
    row("GraphURL malformed", E.UsageError, "such as https://host/path",
        lambda e: instapd.connect(GraphURL="htps//graph.facebook.com")),
    row("GraphURL port out of range", E.UsageError, "Check the scheme, host and port",
        lambda e: instapd.connect(GraphURL="https://graph.facebook.com:99999")),
    row("GraphURL with a space", E.UsageError, "fix the URL",
        lambda e: instapd.connect(GraphURL="https://graph.face book.com")),
    row("CallbackURL plain HTTP remote", E.UsageError, "CallbackURL .*Use https://",
        lambda e: instapd.connect(CallbackURL="http://hub.example.org/cb")),
    row("CallbackURL malformed IPv6", E.UsageError, "CallbackURL must be a URL",
        lambda e: instapd.connect(CallbackURL="https://[::1/cb")),
    row("CallbackURL port 99999", E.UsageError, "CallbackURL must be a URL.*port",
        lambda e: instapd.connect(CallbackURL="https://localhost:99999/")),
    row("CallbackURL not http", E.UsageError, "CallbackURL must be a URL",
        lambda e: instapd.connect(CallbackURL="ftp://localhost/")),
    row("OAuthAuthorizationURL plain HTTP", E.UsageError, "OAuthAuthorizationURL .*https://",
        lambda e: instapd.connect(OAuthAuthorizationURL="http://www.example.com/dialog")),
    row("OAuthAccessTokenURL plain HTTP", E.UsageError, "OAuthAccessTokenURL .*https://",
        lambda e: instapd.connect(OAuthAccessTokenURL="http://api.example.com/oauth/token")),
    row("OAuthAccessTokenURL malformed", E.UsageError, "OAuthAccessTokenURL must be a URL",
        lambda e: e.env("INSTAPD_TOKEN_URL", "api.instagram.com/oauth").connect()),
    row("AuthScheme unknown", E.UsageError, "FacebookLogin .* or InstagramLogin",
        lambda e: instapd.connect(AuthScheme="Google")),
    row("AuthScheme from the environment", E.UsageError, "AuthScheme must be",
        lambda e: e.env("INSTAPD_AUTH_SCHEME", "instagram").connect()),
    row("AuthScheme=InstagramLogin and a Facebook-only table", E.AuthSchemeError,
        "needs AuthScheme=FacebookLogin", lambda e: e.connect(AuthScheme="InstagramLogin")
        .read("Pages")),
    row("InitiateOAuth unknown", E.UsageError, "one of OFF, GETANDREFRESH, REFRESH",
        lambda e: instapd.connect(InitiateOAuth="ALWAYS")),
    row("OAuthSettingsLocation with a bad file", E.NoCredentialsError, "log in once",
        lambda e: e.stored(b"[1, 2, 3]")),
    row("Scope not text", E.UsageError, "comma-separated string",
        lambda e: instapd.connect(Scope=123)),
    row("Version bogus", E.UsageError, "write it like 'v25.0'",
        lambda e: instapd.connect(Version="latest")),
    row("Timeout not a number", E.UsageError, "whole number",
        lambda e: instapd.connect(Timeout="soon")),
    row("Timeout zero", E.UsageError, "between 1 and 86400", lambda e: instapd.connect(Timeout=0)),
    row("Timeout infinite", E.UsageError, "whole number",
        lambda e: instapd.connect(Timeout=float("inf"))),
    row("Timeout huge", E.UsageError, "between 1 and 86400",
        lambda e: instapd.connect(Timeout=10**30)),
    row("MaxRows infinite", E.UsageError, "whole number",
        lambda e: instapd.connect(MaxRows=float("inf"))),
    row("MaxRows huge", E.UsageError, "between -1 and", lambda e: instapd.connect(MaxRows=10**20)),
    row("CacheMaxAge huge", E.UsageError, "between 0 and",
        lambda e: instapd.connect(CacheMaxAge=1e30)),
    row("SqlTimeout zero", E.UsageError, "more than 0 and at most 86400",
        lambda e: instapd.connect(SqlTimeout=0)),
    row("SqlTimeout infinite", E.UsageError, "more than 0 and at most 86400",
        lambda e: instapd.connect(SqlTimeout="inf")),
    row("SqlTimeout NaN", E.UsageError, "more than 0 and at most 86400",
        lambda e: instapd.connect(SqlTimeout=float("nan"))),
    row("SqlTimeout text", E.UsageError, "a number of seconds",
        lambda e: instapd.connect(SqlTimeout="soon")),
    row("SqlMemoryLimit too small", E.UsageError, "between 16 and",
        lambda e: instapd.connect(SqlMemoryLimit=1)),
    row("SqlMemoryLimit infinite", E.UsageError, "whole number",
        lambda e: e.env("INSTAPD_SQL_MEMORY_LIMIT", "inf").connect()),
    row("Pagesize too big", E.UsageError, "between 1 and 100",
        lambda e: Config.from_properties(Pagesize=500)),
    row("MaxRows not a number", E.UsageError, "whole number",
        lambda e: instapd.connect(MaxRows="all")),
    row("Sandbox not a boolean", E.UsageError, "use true or false",
        lambda e: instapd.connect(Sandbox="perhaps")),
    row("Cache not a boolean", E.UsageError, "use true or false",
        lambda e: e.env("INSTAPD_CACHE", "sometimes").connect()),
    row("CacheLocation outside by a link", E.UsageError, "Remove the link",
        lambda e: _linked_cache(e)),
    row("CacheMaxAge negative", E.UsageError, "between 0 and",
        lambda e: instapd.connect(CacheMaxAge=-1)),
    row("Offline not a boolean", E.UsageError, "use true or false",
        lambda e: instapd.connect(Offline="2")),
    row("SnapshotLocation outside by a link", E.UsageError, "Remove the link",
        lambda e: _linked_snapshots(e)),
    row("SnapshotLocation a file", E.PrivateFolderError, "names a folder",
        lambda e: instapd.snapshot(["Stories"], account=e.account,
                                   connection=e.connect(SnapshotLocation=__file__))),
    row("SnapshotLocation others may write", E.PrivateFolderError, "chmod go-w",
        lambda e: instapd.snapshot(["Stories"], account=e.account,
                                   connection=e.connect(SnapshotLocation=_shared(e)))),
    row("CacheLocation a file", E.PrivateFolderError, "names a folder",
        lambda e: e.connect(CacheLocation=__file__).read("Stories", account=e.account)),
    row("CacheLocation others may write", E.PrivateFolderError, "chmod go-w",
        lambda e: e.connect(CacheLocation=_shared(e)).read("Stories", account=e.account)),
    row("CacheLocation with a link inside", E.PrivateFolderError, "Remove the link",
        lambda e: _link_inside_cache(e)),
    row("OAuthSettingsLocation a folder", E.UsageError, "not a folder.*token.json",
        lambda e: instapd.logout(connection=e.web(OAuthSettingsLocation=str(e.tmp_path)))),
    row("OAuthSettingsLocation a folder, read", E.UsageError, "not a folder",
        lambda e: e.web(InitiateOAuth="REFRESH", OAuthSettingsLocation=str(e.tmp_path))
        .read("Pages")),
    row("Version not released", E.UsageError, "v26.0, v27.0",
        lambda e: instapd.connect(Version="v28.0")),
    row("AuthenticateAsPage not a Page", E.AccountError, "give a Page id or name",
        lambda e: e.connect(AuthenticateAsPage="Nobody's Page").read("Media", limit=1)),
    row("UserDefinedViews missing", E.UsageError, "does not exist",
        lambda e: e.connect(UserDefinedViews=str(e.tmp_path / "none.json")).read("Media")),
    row("PseudoColumns unknown table", E.UsageError, "which is no table",
        lambda e: instapd.connect(PseudoColumns="Medai=*")),
    row("Other unknown inside", E.UnknownPropertyError, "Known properties",
        lambda e: instapd.connect(Other="Colour=blue")),
    row("Logfile a folder", E.UsageError, "Logfile .* cannot be written",
        lambda e: e.connect(Logfile=str(e.tmp_path)).read("Media", limit=1)),
    row("Verbosity too high", E.UsageError, "between 1 and 5",
        lambda e: instapd.connect(Verbosity=6)),
    row("MaxLogFileSize no size", E.UsageError, "such as 100MB",
        lambda e: instapd.connect(MaxLogFileSize="big")),
    row("MaxLogFileCount not a number", E.UsageError, "whole number",
        lambda e: instapd.connect(MaxLogFileCount="many")),
    row("ProxyAutoDetect not a boolean", E.UsageError, "use true or false",
        lambda e: instapd.connect(ProxyAutoDetect="maybe")),
    row("ProxyServer not a host", E.UsageError, "host name or address",
        lambda e: e.connect(ProxyServer="ftp://x").read("Media", limit=1)),
    row("ProxyPort out of range", E.UsageError, "between 1 and 65535",
        lambda e: instapd.connect(ProxyPort=70000)),
    row("ProxyAuthScheme unknown", E.UsageError, "one of BASIC, DIGEST, NTLM, NEGOTIATE, NONE",
        lambda e: instapd.connect(ProxyAuthScheme="PROPRIETARY")),
    row("ProxyUser without a server is unused; ProxyPassword masked", E.UsageError,
        "between 1 and 65535",
        lambda e: instapd.connect(ProxyUser="u", ProxyPassword="p", ProxyPort=0)),
    row("ProxyExceptions with a bad ProxyServer", E.UsageError, "host name or address",
        lambda e: e.connect(ProxyServer="http://", ProxyExceptions="a;b").read("Media")),
    row("SSLServerCert missing", E.UsageError, "PEM certificate file",
        lambda e: e.connect(SSLServerCert=str(e.tmp_path / "no.pem")).read("Media")),
]  # fmt: skip


def _growth_of_nothing(metric: Any) -> Any:
    import pandas as pd

    from instapd.snapshots.growth import growth

    return growth(pd.DataFrame(), metric)


def _shared(e: Env) -> str:
    """A folder others may write to: what another user's folder looks like to instapd."""
    folder = e.tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    return str(folder)


def _link_inside_cache(e: Env) -> Any:
    cache = e.tmp_path / "cache-with-link"
    (cache / "elsewhere").mkdir(parents=True)
    (cache / e.account).symlink_to(cache / "elsewhere")
    return e.connect(CacheLocation=str(cache)).read("Stories", account=e.account)


def _linked_snapshots(e: Env) -> Any:
    folder, outside = e.tmp_path / "snapshots-linked", e.tmp_path / "outside-snapshots"
    outside.mkdir()
    folder.mkdir()
    (folder / "table=Media").symlink_to(outside)
    connection = e.connect(SnapshotLocation=str(folder))
    return instapd.snapshot(["Media"], account=e.account, connection=connection)


def _linked_cache(e: Env) -> Any:
    cache, outside = e.tmp_path / "linked", e.tmp_path / "outside"
    outside.mkdir()
    cache.mkdir()
    (cache / e.account).symlink_to(outside)
    return e.connect(CacheLocation=str(cache)).read("Stories", account=e.account)


def _tampered_media(e: Env) -> Any:
    frame = e.read("Media", account=e.account, limit=2)
    frame.loc[0, "id"] = "../../etc"
    return frame.ig.comments()


READ_ROWS = [
    row("table misspelt", E.UnknownTableError, "Did you mean Media",
        lambda e: e.read("Medai")),
    row("table not text", E.UnknownTableError, r"instapd.tables\(\) lists all",
        lambda e: instapd.read_instagram(123, connection=e.connect())),
    row("columns a number", E.UnknownColumnError, "list of column names",
        lambda e: e.read("Media", account=e.account, columns=123)),
    row("columns with a number", E.UnknownColumnError, "list of column names",
        lambda e: e.read("Media", account=e.account, columns=["id", 5])),
    row("columns unknown", E.UnknownColumnError, "Did you mean timestamp",
        lambda e: e.read("Media", account=e.account, columns=["timestmp"])),
    row("columns empty", E.UnknownColumnError, "name at least one column",
        lambda e: e.read("Media", account=e.account, columns=[])),
    row("since not a time", E.InvalidFilterError, "an ISO string",
        lambda e: e.read("Media", account=e.account, since="around easter")),
    row("since after until", E.InvalidFilterError, "must be before until",
        lambda e: e.read("Media", account=e.account, since="2026-02-01", until="2026-01-01")),
    row("since on a table without time", E.InvalidFilterError, "no time column",
        lambda e: e.read("Pages", since="2026-01-01")),
    row("limit zero", E.InvalidFilterError, "positive whole number",
        lambda e: e.read("Media", account=e.account, limit=0)),
    row("limit text", E.InvalidFilterError, "positive whole number",
        lambda e: e.read("Media", account=e.account, limit="5")),
    row("limit a boolean", E.InvalidFilterError, "positive whole number",
        lambda e: e.read("Media", account=e.account, limit=True)),
    row("unknown filter", E.InvalidFilterError, "Its filters",
        lambda e: e.read("Media", account=e.account, colour="red")),
    row("media_id with a path", E.InvalidFilterError, "ASCII digits",
        lambda e: e.read("Comments", account=e.account, media_id="1/../../x")),
    row("media_id in other digits", E.InvalidFilterError, "ASCII digits",
        lambda e: e.read("Comments", account=e.account, media_id="١٢٣")),
    row("media_id a dict", E.InvalidFilterError, "a value or a list of values",
        lambda e: e.read("Comments", account=e.account, media_id={"id": 1})),
    row("a required filter missing", E.InvalidFilterError, "needs hashtag=",
        lambda e: e.read("HashtagTopMedia", account=e.account)),
    row("a choice not offered", E.InvalidFilterError, "Choose from",
        lambda e: e.read("AccountInsights", account=e.account, period="fortnight")),
    row("on_error unknown", E.InvalidFilterError, "Choose from: report, raise",
        lambda e: e.read("AccountInsights", account=e.account, on_error="ignore")),
    row("a retired metric", E.InvalidFilterError, "ask for 'views' instead",
        lambda e: e.read("MediaInsights", account=e.account, metrics=["plays"])),
    row("account an empty list", E.AccountError, "non-empty list",
        lambda e: e.read("Media", account=[])),
    row("account a float", E.AccountError, "an account id, a username",
        lambda e: e.read("Media", account=12.5)),
    row("account a dict", E.AccountError, "an account id, a username",
        lambda e: e.read("Media", account={"id": 1})),
    row("account unknown username", E.AccountError, "Linked accounts: ",
        lambda e: e.read("Media", account="nobody_here")),
    row("account with a path", E.AccountError, "Linked accounts: ",
        lambda e: e.read("Media", account="17841400000000001/../../x")),
    row("cache not a boolean", E.UsageError, "True or False",
        lambda e: e.read("Media", account=e.account, cache="yes")),
    row("refresh not a boolean", E.UsageError, "True or False",
        lambda e: e.read("Media", account=e.account, refresh=1)),
    row("connection not a Connection", E.UsageError, r"instapd.connect\(\)",
        lambda e: instapd.read_instagram("Media", connection="mine")),
    row("offline refresh", E.OfflineError, "Unset INSTAPD_OFFLINE",
        lambda e: e.connect(Offline=True).read("Media", account=e.account, refresh=True)),
    row("offline with a token never used", E.OfflineError, "Read once online with it",
        lambda e: e.connect(Offline=True, access_token="new").read("Media", account=e.account)),
    row("no credentials", E.NoCredentialsError, "INSTAPD_SANDBOX=1",
        lambda e: instapd.read_instagram("Media", account=e.account)),
    row("ids tampered in a frame", E.InvalidFilterError, "ASCII digits",
        _tampered_media),
    row("describe unknown", E.UnknownTableError, "Did you mean",
        lambda e: instapd.describe("Storys")),
    row("set_default_connection wrong", E.UsageError, r"instapd.connect\(\)",
        lambda e: instapd.set_default_connection("mine")),  # type: ignore[arg-type]
    row("GraphClient base without scheme", E.UsageError, "GraphURL must be a URL",
        lambda e: GraphClient(base_url="graph.facebook.com", version="v25.0", access_token="t")),
    row("ColumnNames unknown", E.UsageError, "must be Graph .* or CData",
        lambda e: instapd.connect(ColumnNames="Pretty")),
    row("insert into a table that takes no writes", E.UsageError, "writes Comments or Replies",
        lambda e: instapd.insert("Media", [{"media_id": "1", "text": "x"}],
                                 connection=e.connect())),
    row("insert a comment too long", E.CommentRuleError, "Shorten it",
        lambda e: instapd.insert("Comments", [{"media_id": "17900000000000001", "text": "x" * 301}],
                                 connection=e.connect(), on_error="raise")),
    row("update without the hidden column", E.UsageError, "need the columns id, hidden",
        lambda e: instapd.update("Comments", [{"id": "17900000000000001"}],
                                 connection=e.connect())),
    row("delete a non-digit id", E.WriteTargetError, "take ids from the id column",
        lambda e: instapd.delete("Comments", ["abc"], connection=e.connect(), on_error="raise")),
    row("sql syntax", E.SqlSyntaxError, "something is missing here",
        lambda e: instapd.sql("SELEC * FROM Media", connection=e.connect())),
    row("sql unknown table", E.SqlUnknownTableError, "Did you mean Media",
        lambda e: instapd.sql("SELECT * FROM Medai", connection=e.connect())),
    row("sql LIMIT 1e20", E.SqlNotSupportedError, "write a whole number from 0",
        lambda e: instapd.sql("SELECT id FROM Media LIMIT 1e20", connection=e.connect())),
    row("sql LIMIT negative", E.SqlNotSupportedError, "write a whole number from 0",
        lambda e: instapd.sql("SELECT id FROM Media LIMIT -1", connection=e.connect())),
    row("sql OFFSET a fraction", E.SqlNotSupportedError, "write a whole number from 0",
        lambda e: instapd.sql("SELECT id FROM Media LIMIT 1 OFFSET 2.5", connection=e.connect())),
    row("sql LIMIT ? huge", E.SqlNotSupportedError, "write a whole number from 0",
        lambda e: instapd.sql("SELECT id FROM Media LIMIT ?", connection=e.connect(),
                              params=[10**30])),
    row("sql params a number", E.SqlSyntaxError, r"write params=\[5\]",
        lambda e: instapd.sql("SELECT id FROM Media WHERE id = ?", connection=e.connect(),
                              params=5)),  # type: ignore[arg-type]
    row("sql params a string", E.SqlSyntaxError, "a list or tuple",
        lambda e: instapd.sql("SELECT id FROM Media WHERE id = ?", connection=e.connect(),
                              params="17900000000000001")),
    row("sql parameter NaN", E.SqlSyntaxError, "Pass None for a missing value",
        lambda e: instapd.sql("SELECT id FROM Media WHERE like_count > ?", connection=e.connect(),
                              params=[float("nan")])),
    row("sql parameter infinite", E.SqlSyntaxError, "Pass None for a missing value",
        lambda e: instapd.sql("SELECT id FROM Media WHERE like_count > ?", connection=e.connect(),
                              params=[float("-inf")])),
    row("sql parameter bytes", E.SqlSyntaxError, "pass text",
        lambda e: instapd.sql("SELECT id FROM Media WHERE id = ?", connection=e.connect(),
                              params=[b"1"])),
    row("sql nested too deeply", E.SqlNotSupportedError, "flatten it",
        lambda e: instapd.sql("SELECT " + "(" * 2000 + "1" + ")" * 2000, connection=e.connect())),
    row("sql a table function", E.SqlNotSupportedError, "Rewrite the query without it",
        lambda e: instapd.sql("SELECT m.id FROM Media m, LATERAL duckdb_logs()",
                              connection=e.connect())),
    row("sql runs past SqlTimeout", E.SqlTimeoutError, "raise SqlTimeout",
        lambda e: instapd.sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                              "SELECT max(n) FROM r", connection=e.connect(SqlTimeout=0.2))),
    row("limit infinite", E.InvalidFilterError, "positive whole number",
        lambda e: e.read("Media", account=e.account, limit=float("inf"))),
    row("limit huge", E.InvalidFilterError, "up to 1,000,000,000,000",
        lambda e: e.read("Media", account=e.account, limit=10**30)),
    row("history location a number", E.PrivateFolderError, "takes a folder path",
        lambda e: instapd.history("Media", location=5)),  # type: ignore[arg-type]
    row("snapshot location a number", E.PrivateFolderError, "takes a folder path",
        lambda e: instapd.snapshot(["Media"], connection=e.connect(), location=5)),
    row("growth metric a number", E.UsageError, "a metric column name",
        lambda e: _growth_of_nothing(5)),
    row("publish caption a number", E.PublishRuleError, "caption= takes text",
        lambda e: instapd.publish(image_url="https://cdn.sandbox.invalid/a.jpg", caption=123,
                                  connection=e.connect(), account=e.account)),
    row("publish alt_text NaN", E.PublishRuleError, "alt_text= takes text",
        lambda e: instapd.publish(image_url="https://cdn.sandbox.invalid/a.jpg",
                                  alt_text=float("nan"), connection=e.connect(),
                                  account=e.account)),
    row("publish timeout infinite", E.UsageError, "at most 86400",
        lambda e: instapd.publish(image_url="https://cdn.sandbox.invalid/a.jpg",
                                  timeout=float("inf"), connection=e.connect(),
                                  account=e.account)),
    row("publish timeout NaN", E.UsageError, "at most 86400",
        lambda e: instapd.publish(image_url="https://cdn.sandbox.invalid/a.jpg",
                                  timeout=float("nan"), connection=e.connect(),
                                  account=e.account)),
    row("publish wait not a boolean", E.UsageError, "True or False",
        lambda e: instapd.publish(image_url="https://cdn.sandbox.invalid/a.jpg", wait="no",
                                  connection=e.connect(), account=e.account)),
    row("publish_container timeout huge", E.UsageError, "at most 86400",
        lambda e: instapd.publish_container("123", timeout=1e30, connection=e.connect(),
                                            account=e.account)),
]  # fmt: skip

LOGIN_ROWS = [
    row("procedure unknown", E.UsageError, "Did you mean GetOAuthAuthorizationURL",
        lambda e: e.web().call("GetOAuthURL")),
    row("AuthMode unknown", E.UsageError, "WEB or APP",
        lambda e: e.web().call("GetOAuthAccessToken", AuthMode="PHONE", Verifier="x")),
    row("Verifier missing", E.UsageError, "needs Verifier=",
        lambda e: e.web().call("GetOAuthAccessToken")),
    row("procedure CallbackURL plain HTTP", E.UsageError, "CallbackURL .*https://",
        lambda e: e.web().call("GetOAuthAuthorizationURL", CallbackURL="http://hub.example.org/")),
    row("Verifier from another page", E.CallbackMismatchError, "paste the address of the tab",
        lambda e: e.web().call("GetOAuthAccessToken", Verifier="https://evil.example/cb?code=1&state=2")),
    row("Verifier with a forged state", E.StateMismatchError, "Start the login again",
        lambda e: e.web().call("GetOAuthAccessToken", Verifier="https://hub.example.org/cb?code=1&state=2")),
    row("refresh without a token", E.UsageError, "needs OAuthAccessToken=",
        lambda e: e.web().call("RefreshOAuthAccessToken")),
    row("login without an app", E.NoCredentialsError, "set OAuthClientId",
        lambda e: e.connect().call("GetOAuthAuthorizationURL")),
    row("login paste empty", E.UsageError, "Paste the whole address",
        lambda e: instapd.login(connection=e.web(), web=True, prompt=lambda _: " ")),
    row("login paste elsewhere", E.CallbackMismatchError, "paste the address of the tab",
        lambda e: instapd.login(connection=e.web(), web=True, prompt=lambda _: "https://x.example/?code=1")),
    row("logout with a bad app id", E.UsageError, "OAuthClientId must be",
        lambda e: (e.env("INSTAPD_APP_ID", "my-app"), instapd.logout())),
    row("token file binary", E.NoCredentialsError, "log in once",
        lambda e: e.stored(b"\xff\xfe\x00\x81binary")),
    row("token file naive expires_at", E.NoCredentialsError, "log in once",
        lambda e: e.stored(b'{"access_token": "t", "expires_at": "2030-01-01T00:00:00"}')),
    row("credentials without a token", E.UsageError, "the token itself",
        lambda e: Credentials("  ")),
    row("credentials naive expires_at", E.UsageError, "timezone-aware",
        lambda e: Credentials("t", expires_at=datetime(2030, 1, 1))),
    row("cache clear older_than bogus", E.UsageError, "such as '7 days'",
        lambda e: instapd.cache.clear(older_than="bogus")),
    row("cache clear older_than negative", E.UsageError, "such as '7 days'",
        lambda e: instapd.cache.clear(older_than="-3 days")),
    row("cache clear account with a path", E.AccountError, "ASCII digits only",
        lambda e: instapd.cache.clear(account="../x")),
    row("cache clear table a number", E.UnknownTableError, r"instapd.tables\(\) lists them",
        lambda e: instapd.cache.clear(table=5)),  # type: ignore[arg-type]
    row("cache clear older_than huge", E.UsageError, "such as '7 days'",
        lambda e: instapd.cache.clear(older_than="100000000000 days")),
    row("cache entries location a number", E.PrivateFolderError, "takes a folder path",
        lambda e: instapd.cache.entries(5)),  # type: ignore[arg-type]
    row("call a number", E.UsageError, "a procedure name",
        lambda e: e.web().call(5)),  # type: ignore[arg-type]
]  # fmt: skip

CLI_ROWS = [
    command("cli no command", CommandLineError, "see `instapd --help`"),
    command("cli read unknown table", E.UnknownTableError, "Did you mean Media",
            "read", "Medai", "--sandbox"),
    command("cli read --out missing folder", E.UsageError, "create it first",
            "read", "Media", "--sandbox", "--out", "/no/such/folder/media.csv"),
    command("cli read --out bad suffix", E.UsageError, "must end in .parquet or .csv",
            "read", "Media", "--sandbox", "--out", "media.txt"),
    command("cli read --limit text", CommandLineError, "see `instapd read --help`",
            "read", "Media", "--limit", "many"),
    command("cli read --since bogus", E.InvalidFilterError, "an ISO string",
            "read", "Media", "--sandbox", "--account", "brewlab.coffee", "--since", "never"),
    command("cli read --columns unknown", E.UnknownColumnError, "Its columns",
            "read", "Media", "--sandbox", "--account", "brewlab.coffee", "--columns", "nope"),
    command("cli read --account path", E.AccountError, "Linked accounts",
            "read", "Media", "--sandbox", "--account", "../x"),
    command("cli tables --bogus", CommandLineError, "see `instapd --help`", "tables", "--bogus"),
    command("cli describe unknown", E.UnknownTableError, "Did you mean", "describe", "Storys"),
    command("cli cache unknown action", CommandLineError, "see `instapd cache --help`",
            "cache", "purge"),
    command("cli cache clear --older-than", E.UsageError, "such as '7 days'",
            "cache", "clear", "--older-than", "bogus"),
    command("cli cache clear --account", E.AccountError, "ASCII digits only",
            "cache", "clear", "--account", "../x"),
    command("cli cache ls --table", E.UnknownTableError, "Did you mean", "cache", "ls",
            "--table", "Medai"),
    command("cli cache ls --account", E.AccountError, "ASCII digits only",
            "cache", "ls", "--account", "x/y"),
    command("cli sandbox --media", E.UsageError, "such as 160,60", "sandbox", "--media", "lots"),
    command("cli sandbox --port", CommandLineError, "see `instapd sandbox --help`",
            "sandbox", "--port", "high"),
    command("cli sandbox --port too high", E.UsageError, "from 1 to 65535, or 0 for a free one",
            "sandbox", "--port", "99999"),
    command("cli sandbox --port negative", E.UsageError, "from 1 to 65535, or 0 for a free one",
            "sandbox", "--port", "-1"),
    command("cli snapshot --out not a folder", E.UsageError, "choose a folder",
            "snapshot", "--sandbox", "--out", "/dev/null"),
    command("cli cache clear --older-than without a unit", E.UsageError, "such as '7d', '12h'",
            "cache", "clear", "--older-than", "7"),
    command("cli read --filter without =", E.InvalidFilterError, "NAME=VALUE",
            "read", "Media", "--sandbox", "--filter", "media_type"),
    command("cli login without an app", E.NoCredentialsError, "set OAuthClientId", "login"),
    command("cli logout with a bad app id", E.UsageError, "OAuthClientId must be", "logout",
            INSTAPD_APP_ID="my-app"),
    command("cli demo extra", CommandLineError, "see `instapd --help`", "demo", "now"),
    command("cli snapshot unknown table", E.UnknownTableError, "Did you mean",
            "snapshot", "--sandbox", "--tables", "Medai"),
    command("cli snapshot --workers", E.UsageError, "workers= takes a whole number",
            "snapshot", "--sandbox", "--workers", "0"),
]  # fmt: skip

ROWS = PROPERTY_ROWS + READ_ROWS + LOGIN_ROWS + CLI_ROWS


@pytest.fixture
def env(clean_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    return Env(clean_sandbox, clean_sandbox.account_ids[0], tmp_path, monkeypatch)


@pytest.mark.parametrize("bad", ROWS, ids=[r.name for r in ROWS])
def test_a_bad_input_gives_the_typed_error_naming_the_fix(
    bad: Bad, env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in bad.environ:
        env.env(name, value)
    with pytest.raises(bad.error) as info:
        _attempt(bad, env)
    assert type(info.value) is bad.error, f"{type(info.value).__name__}: {info.value}"
    message = str(info.value)
    assert re.search(bad.fix, message), message
    assert env.sandbox.token not in message
    if bad.argv:
        capsys.readouterr()
        assert cli.main(list(bad.argv)) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith("error: "), err
        assert re.search(bad.fix, err), err


def _attempt(bad: Bad, env: Env) -> None:
    if bad.call is not None:
        bad.call(env)
    else:
        cli.run(list(bad.argv))


def test_the_table_covers_every_property_command_and_public_function() -> None:
    names = " ".join(r.name for r in ROWS)
    assert len(ROWS) >= 60
    for prop in PROPERTIES:
        assert prop.cdata in names, f"no row for the property {prop.cdata}"
    for sub in ("read", "tables", "describe", "cache", "sandbox", "login", "logout", "demo"):
        assert any(r.argv[:1] == (sub,) for r in CLI_ROWS), f"no row for `instapd {sub}`"
    for function in ("connect", "read_instagram", "describe", "login", "logout",
                     "set_default_connection", "insert", "update", "delete", "sql"):  # fmt: skip
        assert f"instapd.{function}(" in Path(__file__).read_text(), f"no row calls {function}"


def test_a_foreign_parquet_file_is_no_entry(tmp_path: Path) -> None:
    import pandas as pd

    folder = tmp_path / "17841400000000001" / "Media"
    folder.mkdir(parents=True)
    pd.DataFrame({"a": [1]}).to_parquet(folder / "foreign.parquet")
    (tmp_path / "not-an-id" / "Media").mkdir(parents=True)
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "not-an-id" / "Media" / "x.parquet")
    assert instapd.cache.entries(tmp_path).empty
    assert cli.main(["cache", "ls"]) == 0
