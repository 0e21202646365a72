"""Map a Graph API error response to the typed tree in :mod:`instapd.errors`.

The mapping reads ``error.code`` and ``error.error_subcode`` only, never the message text.
Instagram Login's hosts may answer ``{"error_type", "code", "error_message"}`` instead; that
shape is read as the same fields.
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    AuthError,
    GraphError,
    InvalidParameterError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TokenExpiredError,
    TooMuchDataError,
    TransientError,
)
from .usage import Usage

AUTH_CODES = frozenset({102, 104, 190})
EXPIRED_SUBCODES = frozenset({463})
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, *range(80000, 80015)})
#: Subcodes that refuse one object whatever the code (2108006: media posted before the account
#: turned professional, answered as code 100 or code 4).
NOT_THROTTLES = frozenset({2108006})
TRANSIENT_CODES = frozenset({1, 2, -1, -2})
NOT_FOUND = (100, 33)
#: Code 1: "An unknown error occurred", or "Please reduce the amount of data...".
TOO_MUCH_DATA = 1


def error_from_body(status: int, body: Any, usage: Usage) -> GraphError:
    """The exception for one failed response (``body`` is the decoded JSON, or None)."""
    error = body.get("error") if isinstance(body, dict) else None
    if error is None and isinstance(body, dict) and "error_message" in body:
        error = {  # api.instagram.com's shape
            "message": body.get("error_message"),
            "type": body.get("error_type"),
            "code": body.get("code"),
        }
    if not isinstance(error, dict):
        if status >= 500:
            return TransientError(f"HTTP {status} from the Graph API", status=status)
        return InvalidParameterError(f"HTTP {status} without a Graph error body", status=status)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    details: dict[str, Any] = {
        "code": code,
        "subcode": subcode,
        "type": error.get("type"),
        "fbtrace_id": error.get("fbtrace_id"),
        "status": status,
    }
    message = str(error.get("message") or "Graph API error")
    if code in AUTH_CODES:
        expired = subcode in EXPIRED_SUBCODES
        return (TokenExpiredError if expired else AuthError)(message, **details)
    if code in PERMISSION_CODES:
        return PermissionDeniedError(message, **details)
    if subcode in NOT_THROTTLES:  # code 4 too, yet about one object: waiting changes nothing
        return InvalidParameterError(message, **details)
    if code in THROTTLE_CODES:
        return RateLimitedError(message, retry_after=usage.regain_seconds or None, **details)
    if code == TOO_MUCH_DATA:
        return TooMuchDataError(message, **details)
    if code in TRANSIENT_CODES or status >= 500:
        return TransientError(message, **details)
    if (code, subcode) == NOT_FOUND:
        return NotFoundError(message, **details)
    return InvalidParameterError(message, **details)
