"""A configured way to reach the Graph API: its client, credentials and linked accounts.

:class:`BaseConnection` has no ``read`` or ``call``: :class:`instapd.Connection` (in
:mod:`instapd.api`) adds them on top, with the embedded sandbox and the linked-accounts memo.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..auth.credentials import Credentials
from ..auth.flows import DEFAULT_SCOPES, OAuthApp
from ..auth.session import Browser, desktop_login, resolve_credentials, stored_or_refreshed
from ..auth.store import IdentityMemo, TokenStore, default_token_path
from ..catalog.schemes import INSTAGRAM_DEFAULT_SCOPES
from ..config import INSTAGRAM_DIALOG_URL, INSTAGRAM_TOKEN_URL, Config
from ..errors import DOCS_APP_GUIDE, AccountError, NoCredentialsError, OfflineError, UsageError
from ..validation import is_graph_id, is_loopback
from .accounts import (
    PAGE_FIELDS as _PAGE_FIELDS,
)
from .accounts import (
    AccountMemo,
    LinkedAccount,
    account_named,
    answered_id,
    fetch_linked,
    linked_from,
    only_account,
    remembered,
)
from .transport import check, needed, prepare

if TYPE_CHECKING:
    import requests

    from ..graph import GraphClient, RetryPolicy
    from ..graph.throttle import Throttle


@dataclass(frozen=True)
class LocalApi:
    """A Graph API started in this process (the sandbox): its URL, a token and its app.

    The connection only reaches it through ``url``, as it would any other Graph API.
    """

    url: str
    token: str = field(repr=False)
    app_id: str
    app_secret: str = field(repr=False)
    dialog_url: str
    token_url: str | None = None  # where codes are exchanged, when not the Graph API's


class BaseConnection:
    """A configured way to reach the Graph API. Constructing one does no I/O.

    Use :func:`instapd.connect` to build one from CData-style properties.
    """

    def __init__(
        self,
        config: Config,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        throttle: Throttle | None = None,
        browser: Browser | None = None,
    ) -> None:
        self.config = config
        self._session = session
        self._logins: requests.Session | None = None  # see _login_session
        self._retry = retry
        self._throttle = throttle
        self._browser = browser
        self._credentials: Credentials | None = None
        #: web logins started (GetOAuthAuthorizationURL): state -> when, ``time.monotonic()``
        self.pending_states: dict[str, float] = {}
        self._client: GraphClient | None = None
        self._accounts: list[LinkedAccount] | None = None
        self._identity: tuple[str, str] | None = None  # (token, its user's id)
        #: What the last INSERT, UPDATE or DELETE did, row by row (CData's sys_identity).
        self.last_writes: tuple[dict[str, object], ...] = ()
        self._lock = threading.RLock()
        #: Held while the linked accounts are resolved (memo, ``me/accounts``), so threads using
        #: a new connection at once read them once; apart from ``_lock``, so the client stays
        #: free for other threads meanwhile. Taken before ``_lock``, never while holding it.
        self._accounts_lock = threading.Lock()
        #: How many times the credentials changed: accounts read before a change are not kept.
        self._credentials_changes = 0
        check(config)  # proxy and TLS properties: refused here, before any request

    # -- what the layers above provide -----------------------------------------------------

    def local_api(self) -> LocalApi | None:
        """The in-process Graph API to use with ``Sandbox=True``; the entry points start one."""
        return None

    def account_memo(self) -> AccountMemo | None:
        """Where to keep the linked accounts for offline reads; the entry points give the cache."""
        return None

    def _sandbox(self) -> LocalApi:
        local = self.local_api()
        if local is None:
            raise UsageError(
                "Sandbox=True needs a connection from instapd.connect(), which starts the "
                "sandbox; or set GraphURL and OAuthAccessToken to a running sandbox."
            )
        return local

    # -- the client ------------------------------------------------------------------------

    @property
    def source_name(self) -> str:
        """Where data comes from, for cache keys: the API root, or ``sandbox``.

        A sandbox on loopback is named without its port: each run listens on a new one and
        serves the same seeded data, so a second run hits the first one's entries.
        """
        if self.config.sandbox:
            return "sandbox"
        url = self.config.graph_url.rstrip("/")
        if is_loopback(url):
            return f"sandbox at {urlsplit(url).hostname}"
        return url

    def __repr__(self) -> str:
        target = "sandbox" if self.config.sandbox else self.config.graph_url
        account = self.config.business_account_id or "auto"
        return f"<Connection {target} {self.config.version} account={account}>"

    def __enter__(self) -> BaseConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        login, self._logins = self._logins, None
        if login is not None:
            login.close()

    def _login_session(self) -> requests.Session | None:
        """The session login steps share when the transport properties (proxy, SSLServerCert,
        Logfile) are set; None otherwise (each step then opens its own, as before)."""
        if not needed(self.config):
            return None
        with self._lock:
            if self._logins is None:
                import requests

                session = requests.Session()
                prepare(session, self.config)
                self._logins = session
            return self._logins

    @property
    def client(self) -> GraphClient:
        """The Graph client, built on first use (this is where credentials are required)."""
        with self._lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    @property
    def graph_url(self) -> str:
        return self._sandbox().url if self.config.sandbox else self.config.graph_url

    def _token(self) -> str:
        config = self.config
        if self._credentials is not None:
            return self._credentials.access_token
        if config.initiate_oauth != "OFF":
            self._credentials = resolve_credentials(
                config.initiate_oauth, self.token_store(), self.oauth_app, self.login_desktop
            )
            return self._credentials.access_token
        token = config.access_token or (self._sandbox().token if config.sandbox else None)
        if not token:
            raise NoCredentialsError(
                "No Instagram credentials. Set INSTAPD_ACCESS_TOKEN (or pass "
                "OAuthAccessToken=...), log in with instapd.login(), or set INSTAPD_SANDBOX=1 "
                "to use the built-in sandbox with sample data."
            )
        return token

    def _build_client(self) -> GraphClient:
        from ..graph import GraphClient  # requests and tenacity: loaded when first needed

        config = self.config
        token = self._token()
        if config.authenticate_as_page:
            token = self._page_token(token)
        client = GraphClient(
            base_url=self.graph_url,
            version=config.version,
            access_token=token,
            app_secret=self._app_secret(),
            timeout=config.timeout,
            retry=self._retry,
            session=self._session,
            throttle=self._throttle,
            renew_token=self._renew if config.initiate_oauth == "GETANDREFRESH" else None,
        )
        prepare(client.session, config)  # proxy, trusted certificate, request log
        return client

    def _page_token(self, user_token: str) -> str:
        """``AuthenticateAsPage``: the Page access token of the Page named (id or name), read
        with the user's token from ``me/accounts``; the Page's Instagram account is then the
        connection's only linked account."""
        from ..graph import GraphClient

        wanted = str(self.config.authenticate_as_page).strip()
        lookup = GraphClient(
            base_url=self.graph_url,
            version=self.config.version,
            access_token=user_token,
            app_secret=self._app_secret(),
            timeout=self.config.timeout,
            retry=self._retry,
            throttle=self._throttle,
        )
        prepare(lookup.session, self.config)
        try:
            pages = [
                item
                for page in lookup.pages(
                    "me/accounts", {"fields": f"{_PAGE_FIELDS},access_token", "limit": 100}
                )
                for item in page.data
            ]
        finally:
            lookup.close()
        match = next(
            (p for p in pages if wanted in (p.get("id"), str(p.get("name", "")))), None
        ) or next((p for p in pages if str(p.get("name", "")).lower() == wanted.lower()), None)
        if match is None or not match.get("access_token"):
            known = ", ".join(f"{p.get('id')} ({p.get('name')})" for p in pages) or "none"
            raise AccountError(
                f"AuthenticateAsPage names {wanted!r}, which is not one of the user's Pages; "
                f"give a Page id or name: {known}."
            )
        self._accounts = linked_from([match])
        return str(match["access_token"])

    # -- logging in ------------------------------------------------------------------------

    def _app_secret(self) -> str | None:
        """For ``appsecret_proof``: ``OAuthClientSecret``, or the sandbox app's own."""
        config = self.config
        if config.sandbox and not config.client_id:
            return self._sandbox().app_secret
        return config.client_secret

    def oauth_app(self) -> OAuthApp:
        """Your Meta app (``OAuthClientId``/``OAuthClientSecret``, or the sandbox's)."""
        config = self.config
        client_id, secret = config.client_id, config.client_secret
        if config.sandbox and not client_id:
            sandbox = self._sandbox()
            client_id, secret = sandbox.app_id, sandbox.app_secret
        if not client_id:
            raise NoCredentialsError(
                "Logging in needs your Meta app: set OAuthClientId (INSTAPD_APP_ID) and "
                f"OAuthClientSecret (INSTAPD_APP_SECRET). See {DOCS_APP_GUIDE}"
            )
        instagram = config.instagram_login
        local = self._sandbox() if config.sandbox else None
        dialog = config.dialog_url or (
            local.dialog_url
            if local is not None
            else INSTAGRAM_DIALOG_URL
            if instagram
            else f"https://www.facebook.com/{config.version}/dialog/oauth"
        )
        token_url = config.token_url or (
            local.token_url if local is not None else INSTAGRAM_TOKEN_URL if instagram else None
        )
        return OAuthApp(
            client_id,
            secret,
            self.graph_url,
            config.version,
            dialog,
            config.timeout,
            scheme=config.auth_scheme,
            access_token_url=token_url,
            session=self._session or self._login_session(),
        )

    @property
    def scopes(self) -> tuple[str, ...]:
        if self.config.instagram_login:
            return self.config.scope or INSTAGRAM_DEFAULT_SCOPES
        return self.config.scope or DEFAULT_SCOPES

    def token_store(self) -> TokenStore:
        """``OAuthSettingsLocation``, else one file per app id in the user's config folder."""
        location = self.config.oauth_settings_location
        if location:
            return TokenStore(location)
        client_id = self.config.client_id or ("sandbox" if self.config.sandbox else None)
        return TokenStore(default_token_path(client_id))

    def _renew(self) -> str:
        """GETANDREFRESH: the token died mid-read; refresh what is stored, else log in again."""
        stored = stored_or_refreshed(self.token_store(), self.oauth_app())
        current = self._credentials.access_token if self._credentials else None
        if stored is not None and stored.access_token != current:
            self._credentials = stored
            return stored.access_token
        credentials = self._desktop_credentials()
        self._credentials = credentials  # the client renewing is using it: keep it open
        return credentials.access_token

    def login_desktop(
        self,
        on_url: Callable[[str], None] | None = None,
        open_browser: Browser | None = None,
    ) -> Credentials:
        """Run the desktop flow now (browser + loopback callback), save and use the token."""
        credentials = self._desktop_credentials(on_url, open_browser)
        self.use_credentials(credentials)
        return credentials

    def _desktop_credentials(
        self, on_url: Callable[[str], None] | None = None, open_browser: Browser | None = None
    ) -> Credentials:
        """The desktop flow, its token saved to the store."""
        credentials = desktop_login(
            self.oauth_app(),
            self.config.callback_url,
            self.scopes,
            open_browser=open_browser or self._browser or webbrowser.open,
            on_url=on_url,
        )
        self.token_store().save(credentials)
        return credentials

    @property
    def browser(self) -> Browser | None:
        """The ``browser=`` the connection was given, if any."""
        return self._browser

    @property
    def credentials(self) -> Credentials | None:
        """What the connection logged in with, if it logged in (never the raw token in a repr)."""
        return self._credentials

    def use_credentials(self, credentials: Credentials | None) -> None:
        """Read with these credentials from now on (after a login or a logout)."""
        with self._lock:
            self._credentials = credentials
            if self._client is not None:
                self._client.close()
                self._client = None
            self._accounts = None
            self._credentials_changes += 1

    def use_account(self, account_id: str | None) -> None:
        """Make ``account_id`` the connection's ``BusinessAccountId``."""
        self.config = self.config.with_(business_account_id=account_id)

    def logout(self) -> bool:
        """Forget the login: delete the token file and stop using its token."""
        removed = self.token_store().delete()
        self.use_credentials(None)
        return removed

    # -- who is asking ----------------------------------------------------------------------

    def identity_memo(self) -> IdentityMemo:
        """The 0600 file, next to the token store, that remembers which user each token is for."""
        return IdentityMemo(self.token_store().path.parent / "identities.json")

    def identity(self) -> str:
        """The app-scoped id of the user the token belongs to; cache entries are bound to it.

        Learned once per token: from the stored login, from :meth:`identity_memo`, or with one
        ``/me`` request whose answer is then remembered. Later runs with the token cost nothing.
        """
        with self._lock:
            token = self._token()
            if self._identity is not None and self._identity[0] == token:
                return self._identity[1]
            credentials = self._credentials
            mine = credentials is not None and credentials.access_token == token
            user = credentials.user_id if credentials is not None and mine else None
            memo = self.identity_memo()
            if not is_graph_id(user):
                user = memo.get(token)
            if user is None:
                if self.config.offline:
                    raise OfflineError(
                        "INSTAPD_OFFLINE=1, and this token was never used online, so the cache "
                        "cannot tell whose entries it may serve. Read once online with it."
                    )
                user = answered_id(self.client.get("me", {"fields": "id"}).get("id"), "the user")
                memo.put(token, user)
            elif credentials is not None and memo.get(token) is None:
                memo.put(token, user)
            self._identity = (token, str(user))
            return str(user)

    # -- accounts --------------------------------------------------------------------------

    def accounts(self) -> list[LinkedAccount]:
        """The Instagram business accounts linked to the user's Pages (read once, then kept).

        The list is also kept in the cache folder, so offline reads can resolve accounts.
        Threads asking at once wait for the one that reads them (a new connection's first use).
        """
        with self._accounts_lock:
            return list(self._linked_accounts())

    def _linked_accounts(self) -> list[LinkedAccount]:
        config = self.config
        if config.instagram_login:
            return self._instagram_account()
        if config.authenticate_as_page:
            self.client  # noqa: B018 - looking up the Page token finds its account too
            return self._accounts or []
        with self._lock:
            known, changes = self._accounts, self._credentials_changes
        if known is not None:
            return known
        memo = self.account_memo()
        remembering = memo is not None and (config.cache or config.offline)
        source = f"{self.source_name} user {self.identity()}" if remembering else ""
        if memo is not None and remembering:
            max_age = None if config.offline else config.cache_max_age
            kept = memo.linked_accounts(source, max_age)
            known = remembered(kept) if kept is not None else None
            if known is None and config.offline:
                raise OfflineError(
                    "INSTAPD_OFFLINE=1 and the linked accounts were never cached; pass "
                    "account=<id> or read once online."
                )
        if known is None:
            known = fetch_linked(self.client)
            if memo is not None and config.cache:
                memo.remember_accounts(source, [vars(a) for a in known])
        with self._lock:
            if self._credentials_changes == changes:  # no login or logout meanwhile
                self._accounts = known
        return known

    def _instagram_account(self) -> list[LinkedAccount]:
        """Instagram Login: the token's user is the account (``/me``); there are no Pages."""
        with self._lock:
            if self._accounts is None:
                if self.config.offline:
                    self._accounts = [LinkedAccount(self.identity(), "", "", "")]
                else:
                    me = self.client.get("me", {"fields": "id,username"})
                    found = answered_id(me.get("id"), "the Instagram account")
                    self._accounts = [LinkedAccount(found, str(me.get("username", "")), "", "")]
            return list(self._accounts)

    def resolve_accounts(self, account: str | list[str] | None) -> list[str]:
        """Account ids for ``account=``: an id, a username, ``"all"``, a list, or the default."""
        if account is None:
            if self.config.business_account_id:
                return [self.config.business_account_id]
            return [only_account(self.accounts())]
        if isinstance(account, str) and account.lower() == "all":
            return [a.id for a in self.accounts()]
        given: object = account  # callers pass anything: check it all
        wanted = [given] if isinstance(given, str | int) else given
        if (
            isinstance(given, bool)
            or not isinstance(wanted, list | tuple)
            or not wanted
            or not all(isinstance(a, str | int) and not isinstance(a, bool) for a in wanted)
        ):
            raise AccountError(
                f"account= takes an account id, a username, 'all', or a non-empty list of ids "
                f"and usernames; not {account!r}."
            )
        return [
            a if is_graph_id(a) else account_named(a, self.accounts())
            for a in (str(item).strip() for item in wanted)
        ]
