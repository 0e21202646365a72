"""Access tokens the sandbox has issued: who they belong to, their scopes and their expiry."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class IssuedToken:
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float | None  # Unix time; None never expires
    kind: str = "USER"  # or PAGE, or SYSTEM_USER (a business's system user: never expires)
    profile_id: str | None = None  # a Page token's Page
    issued_at: float = field(default_factory=time.time)

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at


class TokenRegistry:
    """Thread-safe map of token strings to :class:`IssuedToken`."""

    def __init__(self) -> None:
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        user_id: str,
        scopes: tuple[str, ...],
        lifetime: float | None,
        *,
        kind: str = "USER",
        profile_id: str | None = None,
    ) -> str:
        """Mint a new token; ``lifetime`` in seconds (None: never expires).

        A Page token has ``kind="PAGE"``, the user who manages the Page as ``user_id`` and the
        Page as ``profile_id``.
        """
        value = "SBX" + secrets.token_urlsafe(36).replace("-", "x").replace("_", "y")
        expires_at = None if lifetime is None else time.time() + lifetime
        with self._lock:
            self._tokens[value] = IssuedToken(user_id, scopes, expires_at, kind, profile_id)
        return value

    def register(
        self, value: str, user_id: str, scopes: tuple[str, ...], lifetime: float | None
    ) -> None:
        """Accept a token chosen by the caller (one shared by several sandbox processes)."""
        expires_at = None if lifetime is None else time.time() + lifetime
        with self._lock:
            self._tokens[value] = IssuedToken(user_id, scopes, expires_at)

    def lookup(self, value: str) -> IssuedToken | None:
        with self._lock:
            return self._tokens.get(value)

    def expire(self, value: str) -> None:
        """Make a token expired now (for tests of refresh paths)."""
        with self._lock:
            token = self._tokens[value]
            self._tokens[value] = replace(token, expires_at=time.time())
