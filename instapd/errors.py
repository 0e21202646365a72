"""Every error instapd raises, as one tree. Each message says what to do next.

::

    InstapdError
    ├── UsageError (ValueError)            bad input, raised before any request is made
    │   ├── UnknownPropertyError           a connection property that does not exist
    │   ├── UnknownTableError              a table name not in the catalog
    │   ├── UnknownColumnError             a column the table does not have
    │   ├── InvalidFilterError             a filter the table does not take, or a bad value
    │   ├── FrameError (AttributeError)    an ``.ig`` method on a frame that lacks what it needs
    │   │   └── NotMediaError              a frame of no media where media are needed (gallery)
    │   ├── AccountError                   no linked account, an unknown or ambiguous one
    │   ├── NoCredentialsError             nothing to authenticate with
    │   ├── CallbackMismatchError          a pasted login address that is not CallbackURL's
    │   ├── PrivateFolderError             a cache or snapshot folder another user may change
    │   ├── OfflineError                   INSTAPD_OFFLINE=1 and the cache cannot answer
    │   ├── NoSnapshotsError               history() of a table no snapshot has written yet
    │   ├── AuthSchemeError                a table or token the connection's AuthScheme lacks
    │   ├── WriteError                     a write refused before sending (``row`` says which)
    │   │   ├── CommentRuleError           text breaks Instagram's comment rules, or is empty
    │   │   ├── WriteTargetError           bad id; hidden, live, reply or another account's object
    │   │   │   └── IdMixupError           a media id where a comment id belongs, or the reverse
    │   │   ├── WriteScopeError            the token lacks the scope the write needs
    │   │   └── PublishRuleError           a post breaks a publishing rule (``rule`` names it)
    │   └── SqlError                       a SQL statement instapd cannot run; has ``position``
    │       ├── SqlSyntaxError             the statement does not parse
    │       ├── SqlUnknownTableError       (also UnknownTableError) a table not in the catalog
    │       ├── SqlUnknownColumnError      (also UnknownColumnError) a column no table has
    │       ├── SqlNotSupportedError       a statement SQL here does not run (writes, DDL, ...)
    │       ├── SqlTimeoutError            the engine ran longer than ``SqlTimeout``
    │       └── SqlMemoryError             the engine needed more than ``SqlMemoryLimit``
    ├── GraphError                         the Graph API answered with an error body
    │   ├── AuthError                      code 190/102: the token is invalid
    │   │   └── TokenExpiredError          190/463: the token has expired
    │   ├── PermissionDeniedError          code 10, 200-299: a scope is missing
    │   ├── NotFoundError                  100/33: no such object, or not visible to this token
    │   │   └── NotYoursError              100/33 in a read: another account's object
    │   ├── InvalidParameterError          code 100 and friends: the request is wrong
    │   ├── PublishError                   Meta would not make or publish a post
    │   │   ├── MediaNotFetchableError     9004/2207052: Meta cannot download the media URL
    │   │   ├── MediaSpecError             36000-36004, 352: image size/format/aspect, video
    │   │   ├── PublishingLimitError       9/2207042: the quota is used up; ``frees_at``
    │   │   ├── ContainerExpiredError      24/2207008: the container expired (after a retry)
    │   │   └── ContainerFailedError       the container ended in ERROR while processing
    │   ├── WebhookSubscriptionError       Meta would not set the app's webhook subscription
    │   │   ├── AppNotLiveError            10/200 on the app: not Live, no Advanced Access
    │   │   └── CallbackVerificationError  2200: the callback did not answer the challenge
    │   └── RetryableError                 worth trying again
    │       ├── RateLimitedError           4, 17, 32, 613, 80001, 80002: wait ``retry_after``
    │       └── TransientError             1, 2, HTTP 5xx, dropped connections, cut-off bodies
    │           ├── NetworkError           no answer: refused, dropped, timed out or cut short
    │           └── TooMuchDataError       1: "reduce the amount of data"; paged reads shrink
    ├── TransportError                     the proxy or the server's certificate refused us
    │   ├── ProxyAuthError                 the proxy refused ProxyUser under ProxyAuthScheme
    │   └── ServerCertificateError         the server's certificate is not SSLServerCert's
    ├── MissingExtraError (ImportError)    an optional part whose extra is not installed
    ├── IncompleteReadError                retries ran out part-way; says how far the read got
    ├── ResponseTooLargeError              an answer larger than the cap (tens of MB)
    ├── PublishTimeoutError                a container was not ready within ``timeout``
    └── LoginError                         logging in did not complete
        ├── AccessDeniedError              the user clicked Deny in the login dialog
        ├── StateMismatchError             the callback's state is not the one we sent
        ├── LoginTimeoutError              no callback arrived in time
        ├── CodeExchangeError              the code was refused: expired, reused, wrong redirect
        ├── LoginUnreachableError          a token endpoint did not answer; ``url``, ``setting``
        └── RefreshTooEarlyError           Instagram Login: the token is not 24 hours old yet

Graph errors are mapped from ``error.code`` and ``error.error_subcode`` in
:mod:`instapd.graph.errors`, never from message text.
"""

from __future__ import annotations

import os
import sys
import warnings
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast, get_args

if TYPE_CHECKING:
    from types import FrameType

DOCS_APP_GUIDE = "https://github.com/instapd/instapd/blob/main/docs/meta-app.md"

#: What a read or a write does when the API refuses one object or row: ``"report"`` (the
#: default) records it and goes on (NA cells and one warning for a read; ``status`` ``error``
#: on the row for a write); ``"raise"`` raises. The one vocabulary of every ``on_error=``.
OnError = Literal["report", "raise"]
ON_ERROR: tuple[str, ...] = get_args(OnError)


class InstapdError(Exception):
    """Base class of every instapd error."""


class UsageError(InstapdError, ValueError):
    """The call is wrong; nothing was sent to the API."""


class UnknownPropertyError(UsageError):
    pass


class UnknownTableError(UsageError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownColumnError(UsageError):
    pass


class InvalidFilterError(UsageError):
    pass


class FrameError(UsageError, AttributeError):
    """An ``.ig`` method called on a frame that lacks what it needs: the right table, a column,
    snapshots. Also an AttributeError, as pandas accessors have raised."""


class NotMediaError(FrameError):
    """A frame that holds no media was given where media are needed (``df.ig.gallery()``)."""


class AccountError(UsageError):
    pass


class NoCredentialsError(UsageError):
    pass


class OfflineError(UsageError):
    pass


class NoSnapshotsError(UsageError, FileNotFoundError):
    """``history()`` of a table the snapshot folder holds nothing of: take a snapshot first.

    As ``pandas.read_parquet`` of a missing path or Polars' ``scan_parquet`` of a glob that
    matches nothing, a dataset that is not there raises; a filter that matches no rows of a
    dataset that is there returns an empty frame.
    """


class AuthSchemeError(UsageError):
    """Not available under the connection's ``AuthScheme``: a Facebook-Login-only table, or a
    stored token of the other scheme."""


class CallbackMismatchError(UsageError):
    """The address pasted after a web login is not the ``CallbackURL`` page."""


class PrivateFolderError(UsageError):
    """A cache or snapshot folder (or file, or link in it) that is another user's, that others
    may write to, or a link: instapd would write into it or serve what it holds. ``path`` is
    the level refused."""

    def __init__(self, message: str, *, path: Any = None) -> None:
        self.path = path
        super().__init__(message)


class SqlError(UsageError):
    """A SQL statement instapd cannot run. ``line`` and ``column`` (1-based) point into
    ``query`` when the place is known; the message shows the line with a caret under it."""

    def __init__(
        self, message: str, *, query: str = "", start: int | None = None, end: int | None = None
    ) -> None:
        self.query, self.start, self.end = query, start, end
        self.line = self.column = None
        if start is not None and query:
            before = query[:start]
            self.line = before.count("\n") + 1
            self.column = start - (before.rfind("\n") + 1) + 1
        super().__init__(message)

    @property
    def position(self) -> tuple[int, int] | None:
        """(line, column), 1-based, or None."""
        return None if self.line is None or self.column is None else (self.line, self.column)

    def __str__(self) -> str:
        text = str(self.args[0])
        if self.line is None or self.column is None or self.start is None:
            return text
        lines = self.query.splitlines()
        if self.line > len(lines):
            return f"{text} (line {self.line}, column {self.column})"
        source = lines[self.line - 1]
        width = max(
            1, min((self.end or self.start) - self.start + 1, len(source) - self.column + 1)
        )
        caret = " " * (self.column - 1) + "^" * width
        return f"{text} (line {self.line}, column {self.column})\n  {source}\n  {caret}"


class SqlSyntaxError(SqlError):
    pass


class SqlUnknownTableError(SqlError, UnknownTableError):
    def __str__(self) -> str:
        return SqlError.__str__(self)


class SqlUnknownColumnError(SqlError, UnknownColumnError):
    pass


class SqlNotSupportedError(SqlError):
    pass


class SqlTimeoutError(SqlError):
    """The SQL engine ran longer than ``SqlTimeout`` seconds and was stopped."""


class SqlMemoryError(SqlError):
    """The SQL engine needed more memory than ``SqlMemoryLimit`` and was stopped."""


class GraphError(InstapdError):
    """The Graph API refused a request.

    The attributes mirror the error body: ``code``, ``subcode``, ``type``, ``fbtrace_id``, and the
    HTTP ``status``. ``hint`` is instapd's advice on what to do next.
    """

    hint = ""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        type: str | None = None,
        fbtrace_id: str | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message
        self.code, self.subcode, self.type = code, subcode, type
        self.fbtrace_id, self.status = fbtrace_id, status
        super().__init__(message)

    @property
    def details(self) -> dict[str, Any]:
        """The error body's fields, to raise the same refusal as another class."""
        return {
            "code": self.code,
            "subcode": self.subcode,
            "type": self.type,
            "fbtrace_id": self.fbtrace_id,
            "status": self.status,
        }

    def __str__(self) -> str:
        where = f" (code {self.code}" + (f"/{self.subcode}" if self.subcode else "") + ")"
        text = self.message + (where if self.code is not None else "")
        return f"{text}. {self.hint}" if self.hint else text


class AuthError(GraphError):
    hint = (
        "The access token is not valid: log in again (instapd.login() or "
        "`python -m instapd login`), or set INSTAPD_ACCESS_TOKEN to a fresh token."
    )


class TokenExpiredError(AuthError):
    hint = (
        "The access token has expired: log in again (instapd.login() or "
        "`python -m instapd login`), or connect with InitiateOAuth=GETANDREFRESH so instapd "
        "refreshes it for you."
    )


class PermissionDeniedError(GraphError):
    """A permission (scope) is missing. ``scopes`` names the ones the table needs, when known."""

    def __init__(self, message: str, *, scopes: tuple[str, ...] = (), **kwargs: object) -> None:
        self.scopes = scopes
        super().__init__(message, **kwargs)  # type: ignore[arg-type]

    @property
    def hint(self) -> str:  # type: ignore[override]
        needed = ", ".join(self.scopes) if self.scopes else "the permission this call needs"
        return (
            f"The token lacks a permission: grant {needed} to your app and log in again "
            f"with that scope. See {DOCS_APP_GUIDE}"
        )


class WebhookSubscriptionError(GraphError):
    """Meta would not set the app's webhook subscription."""


class AppNotLiveError(WebhookSubscriptionError):
    """The app's subscription call was refused for the app itself (codes 10/200 on the app)."""

    hint = (
        "Instagram webhooks need a Live app with Advanced Access to instagram_manage_comments "
        "(and instagram_manage_insights for story_insights): switch App Mode to Live in the App "
        "Dashboard and request the access in App Review."
    )


class CallbackVerificationError(WebhookSubscriptionError):
    """Meta's verification request to ``callback_url`` did not get the challenge back (2200)."""

    hint = (
        "Meta could not verify the callback URL: run `python -m instapd webhooks serve` with the "
        "same --verify-token, reachable at that public HTTPS address, then subscribe again."
    )


class NotFoundError(GraphError):
    hint = "Check the id, and that the token's user can see this object."


class NotYoursError(NotFoundError):
    """100/33 during a read: the object belongs to an account the token's user cannot act on."""

    def __init__(self, message: str, *, accounts: tuple[str, ...] = (), **kwargs: object) -> None:
        self.accounts = accounts
        super().__init__(message, **kwargs)  # type: ignore[arg-type]

    @property
    def hint(self) -> str:  # type: ignore[override]
        named = ", ".join(self.accounts) or "this account"
        return (
            f"Check the id, and that the token's user can act on account {named}: pass an "
            "account linked to this login (connection.linked_accounts()), or log in as a user "
            "with a role on that account's Facebook Page."
        )


class InvalidParameterError(GraphError):
    pass


class RetryableError(GraphError):
    """Worth trying again; ``retry_after`` is the wait the API asked for, in seconds."""

    retry_after: float | None = None


class RateLimitedError(RetryableError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after

    @property
    def hint(self) -> str:  # type: ignore[override]
        wait = f"about {self.retry_after:.0f} s" if self.retry_after else "a while"
        return f"The API is throttling this app or account: wait {wait} and try again."


class TransientError(RetryableError):
    hint = "A temporary failure on the API side; trying again usually works."


class NetworkError(TransientError):
    """No answer came: the connection failed, timed out, or the answer was cut short."""


class TooMuchDataError(TransientError):
    """Code 1: Meta's "Please reduce the amount of data you're asking for".

    The size of the whole answer (nested expansions included) decides it, so the same request
    fails again: paged reads ask for smaller pages instead.
    """

    hint = "Ask for fewer rows per page (a smaller Pagesize) or fewer nested columns."


class TransportError(InstapdError):
    """The connection's proxy or TLS settings do not fit what answered: fix the property named;
    retrying does not help."""


class ProxyAuthError(TransportError):
    """The proxy refused the credentials (``ProxyUser``, ``ProxyPassword``) under
    ``ProxyAuthScheme``, or asked for a scheme the connection does not use."""


class ServerCertificateError(TransportError):
    """The server's TLS certificate is not the one ``SSLServerCert`` names (its thumbprint)."""


class MissingExtraError(InstapdError, ImportError):
    """An optional part of instapd whose dependencies are not installed; ``extra`` names the
    extra that installs them (``pip install "instapd[sql]"``)."""

    def __init__(self, message: str, *, extra: str, name: str | None = None) -> None:
        super().__init__(message, name=name)
        self.extra = extra


#: The modules each extra installs, so that a missing one is named with its ``pip install``.
EXTRAS: dict[str, frozenset[str]] = {
    "sql": frozenset({"sqlglot", "duckdb", "sqlalchemy"}),
    "widgets": frozenset({"ipywidgets", "anywidget"}),
    "plot": frozenset({"matplotlib"}),
    "proxy": frozenset({"spnego"}),
    "webhooks": frozenset({"cheroot"}),
}


def missing_extra(exc: ModuleNotFoundError, extra: str, what: str) -> ImportError:
    """A :class:`MissingExtraError` naming the install, when ``exc`` is a module of ``extra``;
    else ``exc`` itself (a broken install is not a missing extra)."""
    top = (exc.name or "").split(".")[0]
    if top not in EXTRAS.get(extra, frozenset()):
        return exc
    return MissingExtraError(
        f'{what} needs {top}, which the {extra} extra installs: pip install "instapd[{extra}]"',
        extra=extra,
        name=top,
    )


class IncompleteReadError(InstapdError):
    """Retries ran out part-way through a read. Nothing partial is returned as complete."""

    def __init__(self, message: str, *, rows_read: int, pages_read: int) -> None:
        super().__init__(message)
        self.rows_read, self.pages_read = rows_read, pages_read


class ResponseTooLargeError(InstapdError):
    """An answer was larger than instapd accepts; nothing of it was used."""

    def __init__(self, limit: int, where: str) -> None:
        super().__init__(
            f"The answer from {where} is larger than {limit:,} bytes, more than instapd reads; "
            "nothing of it was used. Ask for fewer columns or a smaller Pagesize, and "
            "check that GraphURL points at the Graph API."
        )
        self.limit = limit


class LoginError(InstapdError):
    """Logging in did not complete. Nothing was stored."""


class LoginUnreachableError(LoginError):
    """A login endpoint (the code exchange, a token swap or refresh) did not answer.

    ``url`` is the endpoint, without its query; ``setting`` is the property that names it.
    """

    def __init__(self, name: str, url: str, setting: str, failure: str) -> None:
        super().__init__(
            f"{name} did not answer at {url} ({failure}). Check the network and that {setting} "
            "points at it, then log in again (a code works only once and expires)."
        )
        self.url, self.setting = url, setting


class AccessDeniedError(LoginError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The login was declined in the login dialog"
            + (f" ({detail})" if detail else "")
            + ". Log in again and choose Allow, granting the permissions listed."
        )


class StateMismatchError(LoginError):
    def __init__(self) -> None:
        super().__init__(
            "The callback's state does not match the login that was started (an old tab, or a "
            "forged request). Start the login again and use the newest browser tab."
        )


class LoginTimeoutError(LoginError):
    def __init__(self, seconds: float, where: str) -> None:
        super().__init__(
            f"No login callback reached {where} within {seconds:.0f} s. Finish the login in the "
            "browser, or use web mode (paste the URL the browser landed on) when the browser "
            "cannot reach this machine."
        )


class CodeExchangeError(LoginError):
    """The authorization code was refused; ``reason`` is expired, reused or redirect_uri."""

    FIXES: ClassVar[dict[str, str]] = {
        "expired": "The code expired (they last ten minutes): log in again.",
        "reused": "The code was already used (each works once): log in again.",
        "redirect_uri": (
            "The redirect URI differs from the one the login started with: use the same "
            "CallbackURL for both steps, and register it in your Meta app's Facebook Login "
            f"settings ({DOCS_APP_GUIDE})."
        ),
        "refused": (
            "Instagram did not accept the code: codes last an hour and work once, and the "
            "redirect URI must be the login's CallbackURL. Log in again."
        ),
    }

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(f"{message} {self.FIXES.get(reason, 'Log in again.')}")


class WriteError(UsageError):
    """A write refused before anything was sent. ``row`` is its position in the input."""

    def __init__(self, message: str, *, row: object = None) -> None:
        super().__init__(message)
        self.row = row


class CommentRuleError(WriteError):
    """The text breaks Instagram's comment rules (300 characters, 4 hashtags, 1 URL, not all
    capitals), or is empty."""


class WriteTargetError(WriteError):
    """The object cannot take this write: an id that is not digits, a hidden comment, a reply,
    live media, or an object of another account."""


class IdMixupError(WriteTargetError):
    """An id of the wrong kind: a media id where the write takes a comment id, or the reverse.
    ``given`` is the kind of object the id names, ``wanted`` the kind the write takes."""

    def __init__(self, message: str, *, given: str, wanted: str, row: object = None) -> None:
        super().__init__(message, row=row)
        self.given, self.wanted = given, wanted


class WriteScopeError(WriteError):
    """The token lacks a scope the write needs; log in again with it."""


class PublishRuleError(WriteError):
    """A post breaks one of Meta's publishing rules; ``rule`` names it (``https``, ``jpeg``,
    ``caption_length``, ``hashtags``, ``mentions``, ``carousel_size``, ``carousel_item``,
    ``alt_text``, ``media_type``, ``media``, ``option``, ``image_path``, ``video_path``).
    Nothing was sent."""

    def __init__(self, message: str, *, rule: str, row: object = None) -> None:
        super().__init__(message, row=row)
        self.rule = rule


class PublishError(GraphError):
    """Meta would not make or publish a post. ``container_id`` is the container, when known."""

    container_id: str | None = None


class MediaNotFetchableError(PublishError):
    hint = (
        "Meta downloads the media itself: give a public web URL that answers without a login "
        "(a local video can go as video_path=)."
    )


class MediaSpecError(PublishError):
    hint = (
        "Fix the media: images are JPEG, at most 8 MB, aspect 4:5 to 1.91:1; reels are MP4 or "
        "MOV (H.264/HEVC), 3 s to 15 min."
    )


class PublishingLimitError(PublishError):
    """The account's publishing quota is used up; ``frees_at`` is when a post is next allowed."""

    def __init__(self, message: str, *, frees_at: datetime | None = None, **kwargs: object) -> None:
        self.frees_at = frees_at
        super().__init__(message, **kwargs)  # type: ignore[arg-type]

    @property
    def hint(self) -> str:  # type: ignore[override]
        when = f"at {self.frees_at:%Y-%m-%d %H:%M} UTC" if self.frees_at else "within 24 hours"
        return f"The account published its quota of posts for the rolling 24 h: try again {when}."


class ContainerExpiredError(PublishError):
    hint = "Containers expire 24 h after creation: publish again (instapd.publish) to start anew."


class ContainerFailedError(PublishError):
    hint = "Meta could not process the media: check it meets the specs, and publish again."


class PublishTimeoutError(InstapdError):
    """A container was not ready in time. It may still finish: ``container_id`` can be published
    later with :func:`instapd.publish_container`."""

    def __init__(self, message: str, *, container_id: str) -> None:
        super().__init__(message)
        self.container_id = container_id


class RefreshTooEarlyError(LoginError):
    """Instagram Login refreshes a long-lived token only once it is 24 hours old."""

    def __init__(self, not_before: datetime) -> None:
        self.not_before = not_before
        super().__init__(
            "Instagram Login refreshes a token only once it is at least 24 hours old: refresh "
            f"this one at or after {not_before:%Y-%m-%d %H:%M} UTC. Until then it works as it is."
        )


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointed at the first line outside instapd: the user's call.

    A fixed ``stacklevel`` is right for one call path only; the frames are walked out of the
    package instead (what Python 3.12's ``skip_file_prefixes`` does, which 3.11 lacks).
    """
    level, frame = 2, cast("FrameType | None", sys._getframe(1))
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level - 1 if frame is None else level)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


__all__ = [
    "DOCS_APP_GUIDE",
    "AccessDeniedError",
    "AccountError",
    "AuthError",
    "AuthSchemeError",
    "CallbackMismatchError",
    "CodeExchangeError",
    "CommentRuleError",
    "ContainerExpiredError",
    "ContainerFailedError",
    "FrameError",
    "GraphError",
    "IdMixupError",
    "IncompleteReadError",
    "InstapdError",
    "InvalidFilterError",
    "InvalidParameterError",
    "LoginError",
    "LoginTimeoutError",
    "LoginUnreachableError",
    "MediaNotFetchableError",
    "MediaSpecError",
    "MissingExtraError",
    "NetworkError",
    "NoCredentialsError",
    "NoSnapshotsError",
    "NotFoundError",
    "NotYoursError",
    "OfflineError",
    "OnError",
    "PermissionDeniedError",
    "ProxyAuthError",
    "PublishError",
    "PublishRuleError",
    "PublishTimeoutError",
    "PublishingLimitError",
    "RateLimitedError",
    "RefreshTooEarlyError",
    "ResponseTooLargeError",
    "RetryableError",
    "ServerCertificateError",
    "SqlError",
    "SqlNotSupportedError",
    "SqlSyntaxError",
    "SqlUnknownColumnError",
    "SqlUnknownTableError",
    "StateMismatchError",
    "TokenExpiredError",
    "TooMuchDataError",
    "TransientError",
    "TransportError",
    "UnknownColumnError",
    "UnknownPropertyError",
    "UnknownTableError",
    "UsageError",
    "WriteError",
    "WriteScopeError",
    "WriteTargetError",
    "missing_extra",
    "warn",
]
