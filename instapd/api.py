"""The entry points: ``connect``, :class:`Connection` (``read``, ``call``), ``read_instagram``,
``login``/``logout``, and the default connection. Here the layers meet.

:class:`Connection` adds to the connection layer's :class:`~instapd.connection.BaseConnection`
what only the top may know: reading tables (:mod:`instapd.io`), the CData procedures, the cache
as the linked-accounts memo, and the embedded sandbox that ``INSTAPD_SANDBOX=1`` starts (the
connection itself only gets its URL).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .config import Config
from .connection import (
    AccountMemo,
    BaseConnection,
    LocalApi,
    LoginAttempt,
)
from .errors import LoginError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from .auth.credentials import Credentials
    from .readers.query import TimeLike
    from .sandbox import Sandbox


class Connection(BaseConnection):
    """A configured way to reach the Graph API. Constructing one does no I/O.

    Use :func:`instapd.connect` to build one from CData-style properties.
    """

    def __enter__(self) -> Connection:
        return self

    def local_api(self) -> LocalApi | None:
        """The embedded sandbox, started on first use, when ``Sandbox`` is on."""
        if not self.config.sandbox:
            return None
        sandbox = shared_sandbox("instagram" if self.config.instagram_login else "facebook")
        return LocalApi(
            url=sandbox.url,
            token=sandbox.token,
            app_id=sandbox.oauth_app.app_id,
            app_secret=sandbox.oauth_app.app_secret,
            dialog_url=sandbox.dialog_url,
            token_url=sandbox.token_url,
        )

    def account_memo(self) -> AccountMemo:
        """The cache folder keeps the linked accounts, so offline reads can resolve them."""
        from .cache import QueryCache

        return QueryCache(self.config.cache_location)

    def read(self, table: str, **options: Any) -> pd.DataFrame:
        """Read a table; see :func:`instapd.read_instagram` for the options."""
        return read_instagram(table, connection=self, **options)

    def insert(self, table: str, rows: Any, **options: Any) -> pd.DataFrame:
        """Post comments or replies; see :func:`instapd.insert`."""
        return insert(table, rows, connection=self, **options)

    def update(self, table: str, rows: Any, **options: Any) -> pd.DataFrame:
        """Hide or unhide comments, turn comments on or off; see :func:`instapd.update`."""
        return update(table, rows, connection=self, **options)

    def delete(self, table: str, ids: Any, **options: Any) -> pd.DataFrame:
        """Delete comments, replies or media; see :func:`instapd.delete`."""
        return delete(table, ids, connection=self, **options)

    def publish(self, frame: pd.DataFrame | None = None, **options: Any) -> pd.DataFrame:
        """Publish an image, reel, carousel or story; see :func:`instapd.publish`."""
        return publish(frame, connection=self, **options)

    def publish_container(self, container_id: str, **options: Any) -> pd.DataFrame:
        """Publish a container made with ``wait=False``; see :func:`instapd.publish_container`."""
        return publish_container(container_id, connection=self, **options)

    def call(self, procedure: str, **parameters: Any) -> pd.DataFrame:
        """Run a CData stored procedure: ``GetOAuthAuthorizationURL``, ``GetOAuthAccessToken``,
        ``RefreshOAuthAccessToken``. Returns a one-row DataFrame."""
        from .cdata.procedures import call

        return call(self, procedure, parameters)


def read_instagram(
    table: str,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    columns: Sequence[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
    limit: int | None = None,
    cache: bool | None = None,
    refresh: bool = False,
    progress: bool | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Read an Instagram table into a typed DataFrame.

    Parameters
    ----------
    table
        A table name from :func:`instapd.tables` (CData's names, any case), e.g. ``"Media"``.
    connection
        From :func:`instapd.connect`; by default one built from the environment.
    account
        An Instagram business account id or username, a list of them, or ``"all"``. By default
        ``BusinessAccountId``, else the only linked account.
    columns
        Only these columns; only their fields are asked of the API.
    since, until
        A time range ``[since, until)`` on the table's time column: datetimes, dates, ISO strings
        or Unix seconds, UTC when naive. Pushed down to the API where the edge supports it.
    limit
        At most this many rows; paging stops as soon as they are in.
    cache
        Read through the Parquet cache (default: the ``Cache`` property, on). ``False`` bypasses
        it. Entries younger than ``CacheMaxAge`` are served with no request at all.
    refresh
        Go to the API even when a fresh entry exists, and rewrite the entry.
    progress
        Show a progress bar for reads that take over a second (default: on, unless
        ``INSTAPD_PROGRESS=0``).
    **filters
        Table-specific filters, such as ``media_id=`` for ``Comments`` (see ``describe``).
    """
    from .io import read

    return read(
        connection or default_connection(),
        table,
        account=account,
        columns=columns,
        since=since,
        until=until,
        limit=limit,
        cache=cache,
        refresh=refresh,
        progress=progress,
        **filters,
    )


# -- writing ---------------------------------------------------------------------------------


def insert(
    table: str,
    rows: Any,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: str = "report",
) -> pd.DataFrame:
    """Post comments (``"Comments"``: ``media_id``, ``text``) or replies (``"Replies"``:
    ``comment_id``, ``text``). CData's ``MediaId``, ``CommentId`` and ``Text`` work too.
    A reply to a reply is refused before sending (Meta would attach it to the top-level
    comment, which is rarely what was meant): reply to the top-level comment instead.

    Parameters
    ----------
    rows
        A DataFrame or a list of dicts, one write per row.
    account
        The accounts whose objects may be written: an id, a username, a list or ``"all"``. By
        default ``BusinessAccountId``, else every linked account.
    dry_run
        Check everything (rules, scopes, the objects' state: reads only) and return what would
        be sent (``method``, ``path``, ``body``), sending nothing.
    on_error
        ``"report"`` (default): a failed row gets ``status`` ``error`` and the others go on.
        ``"raise"``: a row refused before sending raises before anything is sent; a row Meta
        refuses raises once the other rows are written.

    Returns one row per input row (same index): ``id`` (the new comment's id, or the object
    written), ``status`` (``ok``, ``skipped`` when nothing needed changing, or ``error``) and
    ``error`` (the message, or NA). Every write happens at most once, even when an answer is
    lost; the cache entries it made stale are dropped.
    """
    return _write("insert", table, rows, connection, account, dry_run, on_error)


def update(
    table: str,
    rows: Any,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: str = "report",
) -> pd.DataFrame:
    """Hide or unhide comments (``"Comments"``: ``id``, ``hidden``) or turn comments on or off
    (``"IGMedia"``: ``id``, ``comment_enabled``). Options and result as :func:`insert`."""
    return _write("update", table, rows, connection, account, dry_run, on_error)


def delete(
    table: str,
    ids: Any,
    *,
    connection: BaseConnection | None = None,
    account: str | list[str] | None = None,
    dry_run: bool = False,
    on_error: str = "report",
) -> pd.DataFrame:
    """Delete comments (``"Comments"`` or ``"Replies"``) or media (``"IGMedia"``, which needs
    ``instagram_manage_contents``). ``ids``: a list, a Series, or a DataFrame with ``id``.
    Options and result as :func:`insert`."""
    return _write("delete", table, ids, connection, account, dry_run, on_error)


def _write(
    action: str,
    table: str,
    rows: Any,
    connection: BaseConnection | None,
    account: str | list[str] | None,
    dry_run: bool,
    on_error: str,
) -> pd.DataFrame:
    from .writes import write

    return write(
        connection or default_connection(),
        action,
        table,
        rows,
        account=account,
        dry_run=dry_run,
        on_error=on_error,  # type: ignore[arg-type]
    )


# -- publishing ------------------------------------------------------------------------------


def publish(
    frame: pd.DataFrame | None = None,
    *,
    image_url: str | None = None,
    video_url: str | None = None,
    children: list[Any] | None = None,
    media_type: str | None = None,
    caption: str | None = None,
    connection: BaseConnection | None = None,
    account: str | None = None,
    wait: bool = True,
    timeout: float = 300,
    **options: Any,
) -> pd.DataFrame:
    """Publish an image, a reel, a carousel or a story, and return its row.

    ``media_type`` is inferred: ``image_url`` makes an IMAGE post, ``video_url`` (or
    ``video_path``, a local file sent through Meta's resumable upload) a REELS, ``children`` (2
    to 10 URLs, or dicts with ``image_url``/``video_url`` and their own ``alt_text`` or
    ``user_tags``) a CAROUSEL; ``media_type="STORIES"`` makes a story. ``image_path`` is refused:
    Meta fetches images from a public https URL. ``options`` are Meta's fields: ``alt_text``
    (images), ``location_id``, ``user_tags``, ``collaborators``, ``cover_url``,
    ``thumb_offset``, ``share_to_feed``, ``audio_name``...; ``progress=False`` hides the bar.

    The post is checked first (https, JPEG, caption of at most 2,200 characters, 30 hashtags
    and 20 @mentions, carousels of 2 to 10, alt_text on images only: a
    :class:`~instapd.errors.PublishRuleError` naming the rule), then the account's
    ``content_publishing_limit`` (:class:`~instapd.errors.PublishingLimitError` says when the
    window frees). Containers are created, their status polled with backoff for up to
    ``timeout`` seconds, published exactly once (a lost answer is checked against the
    container's status, never sent blindly again), and the permalink read back. An expired
    container is made again once. ``wait=False`` returns the containers, for
    :func:`publish_container`.

    Returns one row: ``id`` (the media), ``container_id``, ``media_type``, ``permalink``,
    ``status``. ``publish(frame)`` publishes each row of a DataFrame with those fields as
    columns and returns one row per input row, with ``error`` for the rows Meta refused.
    """
    from .publishing import publish as run

    if frame is not None:
        given = {"image_url": image_url, "video_url": video_url, "children": children}
        given |= {"media_type": media_type, "caption": caption}
        if any(v is not None for v in given.values()) or set(options) - {"progress"}:
            raise UsageError("Pass a DataFrame of posts, or the fields of one post, not both.")
        return run(
            connection or default_connection(),
            frame,
            account=account,
            wait=wait,
            timeout=timeout,
            **options,
        )
    fields: dict[str, Any] = {
        k: v
        for k, v in {
            "image_url": image_url,
            "video_url": video_url,
            "children": children,
            "media_type": media_type,
            "caption": caption,
        }.items()
        if v is not None
    }
    return run(
        connection or default_connection(),
        account=account,
        wait=wait,
        timeout=timeout,
        **fields,
        **options,
    )


def publish_container(
    container_id: str,
    *,
    connection: BaseConnection | None = None,
    account: str | None = None,
    timeout: float = 300,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Wait for a container made by ``publish(..., wait=False)`` and publish it, exactly once.
    Returns the same row as :func:`publish`."""
    from .publishing import publish_container as run

    return run(
        connection or default_connection(),
        container_id,
        account=account,
        timeout=timeout,
        progress=progress,
    )


# -- history ---------------------------------------------------------------------------------


def snapshot(
    tables: str | Sequence[str] | None = None,
    *,
    accounts: str | list[str] = "all",
    connection: BaseConnection | None = None,
    location: str | Path | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read ``tables`` (by default Stories, StoryInsights, Media, MediaInsights, the last 2 days
    of AccountInsights and InstagramBusinessProfile) for each of ``accounts`` and append them to
    the snapshot dataset at ``location`` (property ``SnapshotLocation``, env
    ``INSTAPD_SNAPSHOT_DIR``, by default a folder in the user's data directory).

    The dataset is Hive-partitioned Parquet,
    ``table=<Table>/account=<id>/date=<YYYY-MM-DD>/<run id>.parquet``; every row has
    ``snapshot_at`` (UTC). Returns one row per table and account: ``table``, ``account``,
    ``rows``, ``path``, ``status``, ``error``, ``run``. A run that was killed goes on where it
    stopped the next time the same snapshot is asked for (``resume=False`` starts afresh; ``run=``
    names a run). ``workers``: accounts read at a time (default 4); ``at``: the time to stamp.
    """
    from .snapshots import snapshot as take

    return take(
        connection or default_connection(), tables, accounts=accounts, location=location, **options
    )


def health(
    tables: str | Sequence[str] | None = None,
    *,
    account: str | list[str] = "all",
    connection: BaseConnection | None = None,
) -> pd.DataFrame:
    """One row per account: ``username``, ``token_type`` (user, page, system user),
    ``expires_at`` and ``data_access_expires_at`` (NaT: never), ``scopes_granted`` and
    ``scopes_missing`` for ``tables`` (by default a snapshot's), ``app_usage_percent`` and
    ``account_usage_percent``, the ``last_good_read`` and ``last_error`` instapd noted, and
    ``error`` when the token cannot read the account now. One batch request per 50 accounts."""
    from .agency import health as check

    return check(connection or default_connection(), tables, account=account)


def business_accounts(
    business: str | None = None, *, connection: BaseConnection | None = None
) -> pd.DataFrame:
    """The Instagram accounts a Business Manager portfolio owns (``relation="owned"``) or
    manages for clients (``"client"``); by default those of each of the user's businesses.
    Needs ``business_management``; a system user's token (which never expires) works too."""
    from .agency import business_accounts as listing

    return listing(connection or default_connection(), business)


def history(
    table: str,
    *,
    location: str | Path | None = None,
    accounts: str | list[str] | None = None,
    since: TimeLike | None = None,
    until: TimeLike | None = None,
) -> pd.DataFrame:
    """Every snapshot of ``table`` (see :func:`snapshot`), typed as :func:`read_instagram`'s
    frames plus ``snapshot_at``; ``since`` and ``until`` bound ``snapshot_at``. Columns added
    later (a new metric) are ``<NA>`` in older snapshots. ``df.ig.growth("reach")`` shows each
    post's growth by hours since posting."""
    from .snapshots import history as read_back

    return read_back(table, location=location, accounts=accounts, since=since, until=until)


# -- logging in ------------------------------------------------------------------------------


def in_notebook() -> bool:
    """True in a Jupyter kernel that can show widgets."""
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    kernel = get() if get else None
    return kernel is not None and type(kernel).__name__ == "ZMQInteractiveShell"


def login(
    connection: BaseConnection | None = None,
    *,
    web: bool = False,
    desktop: bool = False,
    prompt: Callable[[str], str] = input,
) -> Any:
    """Log in with Facebook; the token is stored and used.

    In a notebook: the login panel, a link and a box to paste the address the browser landed
    on, plus a loopback listener where the browser can reach this machine (whichever completes
    first wins). Elsewhere the link is printed; then, when a browser can be opened here and the
    machine is not remote, it is opened and the listener waits, else ``prompt`` reads the landed
    address. ``web`` forces paste only; ``desktop`` forces the listener.
    """
    if web and desktop:
        raise UsageError("Pass web=True (paste) or desktop=True (listener), not both.")
    connection = connection or default_connection()
    if in_notebook():
        from .widgets import LoginPanel

        return LoginPanel(connection, mode="web" if web else "desktop" if desktop else "auto")
    credentials = _terminal_login(connection, web=web, desktop=desktop, prompt=prompt)
    print(f"Logged in as {credentials.describe()}.")
    return credentials


def _terminal_login(
    connection: BaseConnection, *, web: bool, desktop: bool, prompt: Callable[[str], str]
) -> Credentials:
    import webbrowser

    from .auth.session import LOGIN_TIMEOUT
    from .auth.where import can_open_browser, try_to_open, where
    from .validation import is_loopback

    listen = desktop or (
        not web and can_open_browser() and is_loopback(connection.config.callback_url)
    )
    attempt = LoginAttempt(connection, listen=listen)
    try:
        if not listen and not web:
            print(where().why or "No browser can be opened on this machine.")
        print(f"Open this page, log in and allow access:\n\n  {attempt.url}\n", flush=True)
        if not listen:
            print("After Allow, paste the address your browser landed on, even if it did not load.")
            try:
                landed = prompt("Paste the address you landed on: ")
            except EOFError:
                raise LoginError(
                    "Standard input closed before an address was pasted: run the login again "
                    "and paste the address the browser landed on after Allow."
                ) from None
            return attempt.paste(landed)
        if not try_to_open(attempt.url, connection.browser or webbrowser.open):
            print("No browser could be opened here: open the link above yourself.")
        print("Waiting for the browser to come back after Allow…", flush=True)
        credentials = attempt.wait(LOGIN_TIMEOUT)
        assert credentials is not None  # only a paste or a cancel ends it without one
        return credentials
    finally:
        attempt.cancel()


def logout(connection: BaseConnection | None = None) -> bool:
    """Delete the stored token and stop using it. True if a token file was removed."""
    return (connection or default_connection()).logout()


# -- the process's connection and sandbox ----------------------------------------------------

_shared: Sandbox | None = None
_others: dict[str, Sandbox] = {}
_default: Connection | None = None
_lock = threading.Lock()
_sandbox_lock = threading.Lock()


def shared_sandbox(scheme: str = "facebook") -> Sandbox:
    """The process's embedded sandbox, started on first use (``INSTAPD_SANDBOX=1``); with
    ``scheme="instagram"``, a second one that plays Instagram Login's host."""
    global _shared
    with _sandbox_lock:
        if scheme == "instagram":
            if "instagram" not in _others:
                from .sandbox import Sandbox

                _others["instagram"] = Sandbox(scheme="instagram").start()
            return _others["instagram"]
        if _shared is None:
            from .sandbox import Sandbox

            _shared = Sandbox().start()
        return _shared


def connect(connection_string: str | None = None, /, **properties: Any) -> Connection:
    """A :class:`Connection` from a CData-style connection string and/or properties.

    Properties take CData names (``OAuthAccessToken``, ``BusinessAccountId``, ...) or python ones
    (``access_token``, ``business_account_id``, ...), any case. The environment supplies defaults.
    ``session=``, ``retry=`` and ``throttle=`` pass a :class:`requests.Session`, a retry policy
    or a :class:`~instapd.graph.throttle.Throttle` through;
    ``browser=`` replaces ``webbrowser.open`` for the desktop login.
    """
    session = properties.pop("session", None)
    retry = properties.pop("retry", None)
    throttle = properties.pop("throttle", None)
    browser = properties.pop("browser", None)
    config = Config.from_properties(connection_string, **properties)
    return Connection(config, session=session, retry=retry, throttle=throttle, browser=browser)


def default_connection() -> Connection:
    """The connection calls without ``connection=`` use, built from the environment once."""
    global _default
    with _lock:
        if _default is None:
            _default = connect()
        return _default


def set_default_connection(connection: Connection | None) -> None:
    """Make ``connection`` the default (None: rebuild from the environment on next use)."""
    global _default
    if connection is not None and not isinstance(connection, BaseConnection):
        raise UsageError(
            "set_default_connection takes a Connection from instapd.connect(), or None to "
            f"rebuild it from the environment; not {type(connection).__name__}."
        )
    with _lock:
        _default = connection
