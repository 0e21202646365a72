"""Credentials: a token and what is known about it. The token never shows in a repr."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import UsageError
from ..validation import is_graph_id

#: Refresh a stored token when it has less than this left (long-lived tokens last 60 days).
REFRESH_MARGIN = timedelta(days=7)


@dataclass(frozen=True)
class Credentials:
    access_token: str = field(repr=False)
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    user_id: str | None = None
    user_name: str | None = None
    #: The login that issued the token (``AuthScheme``); files from before it are Facebook's.
    scheme: str = "FacebookLogin"
    #: When the token was issued, if known: Instagram Login refreshes only after 24 hours.
    issued_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("expires_at", "issued_at"):
            moment = getattr(self, name)
            if moment is not None and (not isinstance(moment, datetime) or moment.tzinfo is None):
                raise UsageError(
                    f"{name} must be a timezone-aware datetime (such as "
                    f"datetime.now(UTC)), not {moment!r}."
                )
        if not isinstance(self.access_token, str) or not self.access_token.strip():
            raise UsageError("access_token must be a non-empty string: the token itself.")

    def __repr__(self) -> str:
        expiry = self.expires_at.isoformat(timespec="minutes") if self.expires_at else "never"
        return f"Credentials(user={self.user_name!r}, expires={expiry}, token=***)"

    @property
    def expires_in(self) -> timedelta | None:
        return None if self.expires_at is None else self.expires_at - datetime.now(UTC)

    @property
    def expired(self) -> bool:
        left = self.expires_in
        return left is not None and left <= timedelta(0)

    def expiring(self, margin: timedelta = REFRESH_MARGIN) -> bool:
        left = self.expires_in
        return left is not None and left <= margin

    def describe(self) -> str:
        """``@name, token valid for N days``: for status lines, never the token."""
        left = self.expires_in
        valid = "no expiry" if left is None else f"token valid for {max(left.days, 0)} days"
        if left is not None and left < timedelta(days=1):
            valid = f"token valid for {max(int(left.total_seconds() // 3600), 0)} hours"
        return f"{self.user_name or self.user_id or 'unknown user'}, {valid}"

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "scopes": list(self.scopes),
            "user_id": self.user_id,
            "user_name": self.user_name,
            "scheme": self.scheme,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credentials:
        expires, issued = data.get("expires_at"), data.get("issued_at")
        return cls(
            access_token=str(data["access_token"]),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            scopes=tuple(data.get("scopes") or ()),
            user_id=data.get("user_id") if is_graph_id(data.get("user_id")) else None,
            user_name=data.get("user_name"),
            scheme=str(data.get("scheme") or "FacebookLogin"),
            issued_at=datetime.fromisoformat(issued) if issued else None,
        )
