"""Who is asking: the access token of a request, its expiry, and the ``appsecret_proof`` check."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from werkzeug.wrappers import Request

from .call import Call, split_version
from .failures import GraphFailure
from .tokens import TokenRegistry


def authenticate(request: Request, tokens: TokenRegistry, proof_secret: str | None) -> Call:
    """The :class:`Call` a request makes, once its token is known, valid and (if asked) proven.

    ``proof_secret`` is the app secret when ``appsecret_proof`` is required, else ``None``.
    """
    params = dict(request.values.items())
    if request.is_json:  # Graph POSTs take JSON bodies too
        payload = request.get_json(silent=True)
        for key, item in (payload if isinstance(payload, dict) else {}).items():
            params[key] = item if isinstance(item, str) else json.dumps(item)
    value = presented_token(request, params)
    token = tokens.lookup(value)
    if token is None:
        raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
    if token.expired():
        expired_at = datetime.fromtimestamp(token.expires_at or 0, UTC)
        raise GraphFailure(
            190,
            "Error validating access token: Session has expired on "
            f"{expired_at:%A, %d-%b-%y %H:%M:%S} UTC. The current time is "
            f"{datetime.now(UTC):%A, %d-%b-%y %H:%M:%S} UTC.",
            subcode=463,
        )
    if proof_secret is not None:
        check_proof(proof_secret, value, params.get("appsecret_proof"))
    version, _ = split_version(request.path)
    return Call(token, params.get("access_token"), version, params, request.host_url.rstrip("/"))


def presented_token(request: Request, params: dict[str, str]) -> str:
    """The token a request carries: ``access_token``, else an ``Authorization: Bearer`` (or
    ``OAuth``) header; Meta's error 104 when there is none."""
    value = params.get("access_token")
    header = request.headers.get("Authorization", "")
    if not value and header.lower().startswith(("bearer ", "oauth ")):
        value = header.split(None, 1)[1].strip()
    if not value:
        raise GraphFailure(104, "An access token is required to request this resource.")
    return value


def check_proof(app_secret: str, token: str, proof: str | None) -> None:
    """``appsecret_proof`` must be the HMAC-SHA256 of the token keyed with the app secret."""
    if proof is None:
        raise GraphFailure(
            100,
            "API calls from the server require an appsecret_proof argument",
            type_="GraphMethodException",
        )
    expected = hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, proof):
        raise GraphFailure(100, "Invalid appsecret_proof provided in the API argument")


def expire_presented_token(request: Request, tokens: TokenRegistry) -> None:
    """The ``expire_token`` fault: the token this request carries expires now."""
    header = request.headers.get("Authorization", "")
    value = request.values.get("access_token") or header.partition(" ")[2].strip()
    if tokens.lookup(value) is not None:
        tokens.expire(value)
