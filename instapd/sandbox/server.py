"""Serve the sandbox on loopback in a background thread."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import DEFAULT_VERSION, SandboxApp
from .cdn import SAMPLES_ROOT, Cdn
from .clock import STORY_LIFETIME
from .data import build_dataset
from .faults import Faults
from .instagram_login import IG_SCOPES, InstagramLogin
from .media import publish
from .oauth import OAuthApp, OAuthRoutes
from .publishing import PublishRoutes
from .schema import ALL_SCOPES, SYSTEM_USER_SCOPES
from .size import DEFAULT_MAX_OBJECTS
from .tokens import TokenRegistry
from .webhooks import SandboxWebhooks

logger = logging.getLogger("instapd.sandbox")

#: The sandbox's own Meta app, which its login dialog knows.
SANDBOX_APP_ID = "1000000000000042"
#: Lifetime of the sandbox's default token, as a long-lived Facebook user token: 60 days.
LONG_LIVED_SECONDS = 60 * 24 * 3600


class _QuietHandler(WSGIRequestHandler):
    """Logs the path only: a query string may hold an access token."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        logger.debug("%s %s %s", self.command, path, code)

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("sandbox connection error")

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_response(self, code: int, message: str | None = None) -> None:
        """The status line and ``Server``, without a ``Date`` of the machine's clock: the app
        sends its own (the sandbox clock's), so loopback and the mounted transport agree."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())


class Sandbox:
    """A local Graph API server with seeded data.

    >>> with Sandbox() as sandbox:
    ...     sandbox.url.startswith("http://127.0.0.1:")
    True

    ``url`` is the API root without a version, as ``INSTAPD_GRAPH_URL`` wants it; ``token`` is a
    long-lived token with every scope instapd uses. ``faults`` injects latency and errors.
    ``app_id`` and ``app_secret`` (random unless given) are the sandbox's own Meta app, which its
    login dialog and token endpoint know; ``appsecret_proof`` is checked when required.
    ``token`` fixes the default token and ``listen_fd`` serves an already listening socket, so
    several processes can serve one port (benchmarks use that to model a server farm).
    ``publishing_quota`` is what ``content_publishing_limit`` reports as ``quota_total`` and
    ``media_publish`` enforces (Meta's guide says 100; its reference says 50, the default here,
    so a client that assumes 100 instead of reading it is caught).
    ``accounts=N`` seeds N linked business accounts (with ``media_per_account`` posts each,
    6 by default), as an agency has. :meth:`advance` moves the sandbox's clock forward.
    ``frozen=True`` stops the clock at ``now`` (the seeding time): only :meth:`advance` moves it,
    so the data (the newest days' insights included) and the ``Date`` header stay the same
    however long the reads take, as tests that compare two reads want (the rate-limit windows
    keep ``clock``'s time).
    ``max_objects`` caps the objects one answer holds (nested included) as Meta caps answer
    size: past it, code 1 "Please reduce the amount of data..."; ``None`` lifts the cap.
    ``clock`` (seconds) is the sandbox's own time for rate limits (``app.usage``: calls per app,
    per user, per account and per Page over a rolling window, refused past 100% with code 4, 17,
    80002 or 32 until access returns); :meth:`advance` moves it on too.
    :meth:`issue_page_token` gives a Page access token, whose calls count against its Page;
    :meth:`issue_system_user_token` a Business Manager system user's, which never expires.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        port: int = 0,
        host: str = "127.0.0.1",
        faults: Faults | None = None,
        now: datetime | None = None,
        media_per_account: tuple[int, ...] | None = None,
        accounts: int | None = None,
        comments_per_account: tuple[int, ...] | None = None,
        app_secret: str | None = None,
        require_appsecret_proof: bool = False,
        app_id: str = SANDBOX_APP_ID,
        token: str | None = None,
        listen_fd: int | None = None,
        publishing_quota: int | None = None,
        scheme: str = "facebook",
        flat_exchange: bool = False,
        max_objects: int | None = DEFAULT_MAX_OBJECTS,
        clock: Callable[[], float] = time.monotonic,
        frozen: bool = False,
    ) -> None:
        if scheme not in ("facebook", "instagram"):
            raise ValueError(f"scheme must be 'facebook' or 'instagram', not {scheme!r}")
        self.scheme = scheme
        media = _media_counts(media_per_account, accounts)
        self.dataset = build_dataset(
            seed,
            now=now,
            media_per_account=media,
            comments_per_account=comments_per_account,
        )
        self.clock = self.dataset.clock  # the one clock; advance() moves it
        self.clock.frozen = frozen
        self.tokens = TokenRegistry()
        self.oauth_app = OAuthApp(app_id=app_id, app_secret=app_secret or secrets.token_hex(16))
        user = self.dataset[self.dataset.user_id]
        self.instagram: InstagramLogin | None = None
        if scheme == "instagram":  # graph.instagram.com: the first account logs in itself
            account = self.dataset.account_ids[0]
            self.instagram = InstagramLogin(
                self.oauth_app,
                self.tokens,
                account,
                str(self.dataset[account].values["username"]),
                flat_exchange=flat_exchange,
            )
        self.app = SandboxApp(
            self.dataset,
            self.tokens,
            faults,
            oauth=OAuthRoutes(
                self.oauth_app, self.tokens, user.id, user.values["name"], ALL_SCOPES
            ),
            app_secret=self.oauth_app.app_secret,
            require_appsecret_proof=require_appsecret_proof,
            instagram=self.instagram,
            max_objects=max_objects,
            clock=lambda: clock() + self.clock.offset.total_seconds(),  # advance() moves it
        )
        if publishing_quota is not None:
            self.publishing.quota_total = publishing_quota
        #: The app's webhook subscriptions; deliveries go out as changes happen.
        self.webhooks = SandboxWebhooks(
            self.dataset, self.tokens, app_id, self.oauth_app.app_secret, self.clock.now
        )
        self.app.webhooks = self.webhooks
        self.app.router.writes.commented = self.webhooks.comment_created
        self.publishing.on_advance = lambda seconds: self.advance(seconds)
        self.app.cdn = Cdn(seed, now=self.clock.now)  # links expire by the sandbox's clock
        self.token = self.issue_token() if token is None else token
        if token is not None:
            self.tokens.register(token, self.dataset.user_id, ALL_SCOPES, LONG_LIVED_SECONDS)
        self.version = DEFAULT_VERSION
        self._host, self._port = host, port
        self._listen_fd = listen_fd
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = self.url if self._server else "stopped"
        return f"<Sandbox {state}>"

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self.app.faults = value

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The sandbox is not running; call start() first")
        return f"http://{self._server.host}:{self._server.port}"

    def sample_picture_url(
        self, number: int = 1, *, size: tuple[int, int] | None = None, format: str = "jpeg"
    ) -> str:
        """A public URL of a picture you may publish (``image_url=``): a 1080 px square JPEG
        unless ``size`` (width, height) or ``format="png"`` ask otherwise. Meta downloads
        ``image_url`` from the web; the sandbox has no internet, so it serves these itself.

        >>> with Sandbox() as sandbox:
        ...     sandbox.sample_picture_url(2).endswith("/samples/picture-2.jpg")
        True
        """
        if format not in ("jpeg", "png"):
            raise ValueError(f"format is 'jpeg' or 'png', not {format!r}")
        shape = f"-{size[0]}x{size[1]}" if size else ""
        suffix = "jpg" if format == "jpeg" else "png"
        return f"{self.url}/{SAMPLES_ROOT}/picture-{number}{shape}.{suffix}"

    @property
    def publishing(self) -> PublishRoutes:
        """Containers, the publishing quota and clock (:mod:`.publishing`)."""
        return self.app.router.publishing

    @property
    def requests_served(self) -> int:
        return self.app.served

    @property
    def account_ids(self) -> list[str]:
        return list(self.dataset.account_ids)

    @property
    def dialog_url(self) -> str:
        """The login dialog, as ``OAuthAuthorizationURL`` wants it."""
        if self.instagram is not None:
            return f"{self.url}/oauth/authorize"
        return f"{self.url}/{self.version}/dialog/oauth"

    @property
    def token_url(self) -> str:
        """Where codes are exchanged, as ``OAuthAccessTokenURL`` wants it."""
        if self.instagram is not None:
            return f"{self.url}/oauth/access_token"
        return f"{self.url}/{self.version}/oauth/access_token"

    def issue_token(
        self,
        scopes: tuple[str, ...] | None = None,
        lifetime: float | None = LONG_LIVED_SECONDS,
        *,
        user_id: str | None = None,
    ) -> str:
        """A new user token for the sandbox's user (or, with ``user_id``, another user).

        With ``scheme="instagram"``, an Instagram Login token for the account that logs in
        (``instagram_business_*`` scopes; ``user_id`` does not apply).
        """
        if self.instagram is not None:
            chosen = IG_SCOPES if scopes is None else scopes
            life = LONG_LIVED_SECONDS if lifetime is None else lifetime
            return self.instagram.issue(chosen, life)
        chosen = ALL_SCOPES if scopes is None else scopes
        return self.tokens.issue(user_id or self.dataset.user_id, chosen, lifetime)

    def issue_page_token(self, page_id: str, scopes: tuple[str, ...] | None = None) -> str:
        """A Page access token for one of the user's Pages, as ``/me/accounts?fields=access_token``
        gives one.

        Its calls count against the Page's limit (code 32), not the user's; it never expires,
        like a Page token obtained from a long-lived user token.
        """
        if self.instagram is not None:
            raise ValueError("Instagram Login has no Page tokens; use scheme='facebook'.")
        if page_id not in self.dataset.page_ids:
            raise ValueError(f"{page_id!r} is not one of the user's Pages: {self.dataset.page_ids}")
        chosen = ALL_SCOPES if scopes is None else scopes
        return self.app.page_tokens.issue(self.dataset.user_id, page_id, chosen, None)

    def issue_system_user_token(self, scopes: tuple[str, ...] | None = None) -> str:
        """A token of the agency business's system user, as Business Manager issues one for
        unattended runs: it never expires, and reads the accounts the business assigned it."""
        if self.instagram is not None:
            raise ValueError("Instagram Login has no system users; use scheme='facebook'.")
        chosen = SYSTEM_USER_SCOPES if scopes is None else scopes
        return self.tokens.issue(self.dataset.system_user_id, chosen, None, kind="SYSTEM_USER")

    @property
    def business_id(self) -> str:
        """The Business Manager portfolio that owns the first half of the accounts and manages
        the rest for clients (``/{business-id}/owned_instagram_accounts``, ``.../client_...``)."""
        return self.dataset.business_id

    def publish(self, account_id: str, caption: str = "Fresh from the roaster ☕") -> str:
        """Add a new image post to an account, as if just published; returns its id."""
        media_id = publish(self.dataset, account_id, caption=caption)
        self.app.forget_renders()
        return media_id

    @property
    def now(self) -> datetime:
        """The sandbox's time: real time (the seeding time if frozen) plus every :meth:`advance`."""
        return self.clock.now()

    def advance(
        self, delta: timedelta | float | None = None, *, hours: float = 0, days: float = 0
    ) -> None:
        """Move the clock forward (``delta`` as a timedelta or in seconds): stories older than
        24 hours expire, like counts, followers and media insights grow, recent days settle.

        >>> sandbox = Sandbox(accounts=1, media_per_account=(2,))
        >>> before = sandbox.now
        >>> sandbox.advance(hours=25)
        >>> sandbox.now - before >= timedelta(hours=25)
        True
        """
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta or 0)
        total = delta + timedelta(hours=hours, days=days)
        self.clock.advance(total)  # refuses to go back
        self.app.advance(total.total_seconds())
        cutoff = self.clock.now() - STORY_LIFETIME
        for account_id in self.dataset.account_ids:
            edges = self.dataset[account_id].edges
            for story in edges.get("stories", []):  # story_insights: an hour after it expires
                if self.dataset[story].values["timestamp"] <= cutoff:
                    self.webhooks.story_expired(
                        account_id, self.dataset[story], self.app.router.insights
                    )
            edges["stories"] = [
                story
                for story in edges.get("stories", [])
                if self.dataset[story].values["timestamp"] > cutoff
            ]
        self.webhooks.release_stories()
        self.app.forget_renders()

    def comment(self, media_id: str, text: str = "Love this! 😍", *, by: str | None = None) -> str:
        """A fan comments on ``media_id`` (``by``: a public account's username); returns the
        comment's id. Subscribed webhooks deliver it as ``comments`` (or ``live_comments``)."""
        author = self.dataset.find_user(by) if by else self.dataset[self.dataset.public_ids[0]]
        if author is None:
            raise ValueError(f"{by!r} is not one of the sandbox's accounts")
        name = str(author.values["username"])
        return self.app.router.writes.add_comment(media_id, text, author.id, name)

    def mention(self, account_id: str, *, in_comment: bool = True) -> dict[str, str]:
        """Another account @mentions ``account_id``: in a new comment on its media (or, with
        ``in_comment=False``, in a caption already there); delivered as ``mentions``. Returns
        the change's value (``comment_id`` and ``media_id``, or ``media_id``)."""
        username = str(self.dataset[account_id].values["username"])
        public = self.dataset[self.dataset.public_ids[0]]
        posts = [self.dataset[m] for m in public.edges.get("media", [])]
        if in_comment:
            media = posts[0]
            comment_id = self.app.router.writes.add_comment(
                media.id,
                f"@{username} you have to see this",
                self.dataset.public_ids[1],
                str(self.dataset[self.dataset.public_ids[1]].values["username"]),
            )
            value = {"comment_id": comment_id, "media_id": media.id}
        else:
            media = next(p for p in posts if f"@{username}" in str(p.values.get("caption", "")))
            value = {"media_id": media.id}
        self.webhooks.notify(account_id, "mentions", value)
        return value

    def start(self) -> Sandbox:
        if self._server is None:
            self._server = make_server(
                self._host,
                self._port,
                self.app,
                threaded=True,
                request_handler=_QuietHandler,
                fd=self._listen_fd,
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="instapd-sandbox", daemon=True
            )
            self._thread.start()
            logger.info("sandbox serving on %s", self.url)
        return self

    def stop(self) -> None:
        self.webhooks.close()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _media_counts(given: tuple[int, ...] | None, accounts: int | None) -> tuple[int, ...]:
    """Posts per seeded account: ``given``, cycled over ``accounts`` accounts when both are set."""
    if accounts is None:
        return given if given is not None else (160, 60)
    if isinstance(accounts, bool) or not isinstance(accounts, int) or accounts < 1:
        raise ValueError(
            f"accounts= takes a whole number of accounts (1 or more), not {accounts!r}"
        )
    counts = given or (6,)
    return tuple(counts[i % len(counts)] for i in range(accounts))
