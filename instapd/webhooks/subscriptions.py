"""Point the app's webhooks at a receiver, as Meta documents (webhooks reference A6).

``POST /{app-id}/subscriptions`` (an app access token: ``{app-id}|{app-secret}``) sets the app's
``object=instagram`` subscription: its ``callback_url``, ``fields`` and ``verify_token``; Meta
then sends the receiver its verification request and answers 2200 when it fails. With Facebook
Login, each account's Page must also subscribe the app: ``POST /{page-id}/subscribed_apps`` with
the Page's token and ``pages_manage_metadata``. Fields are the app's, not per account.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import (
    AppNotLiveError,
    CallbackVerificationError,
    GraphError,
    PermissionDeniedError,
    UsageError,
)
from ..validation import graph_id, secure_url
from .events import KNOWN_FIELDS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..connection import BaseConnection
    from ..graph import GraphClient

VERIFY_TOKEN_VARIABLE = "INSTAPD_WEBHOOK_VERIFY_TOKEN"
OBJECT = "instagram"
#: Any Page field subscribes the Page to the app; Meta's example uses feed.
PAGE_FIELD = "feed"
PAGE_SCOPE = "pages_manage_metadata"
STATUS_COLUMNS = {
    "level": "string",
    "id": "string",
    "account": "string",
    "object": "string",
    "callback_url": "string",
    "fields": "object",
    "active": "boolean",
}
_NO_PERMISSION = (10, 200)


def subscribe(
    *,
    fields: Sequence[str],
    callback_url: str,
    verify_token: str | None = None,
    connection: BaseConnection | None = None,
    account: str | list[str] = "all",
) -> pd.DataFrame:
    """Subscribe the app to ``fields`` at ``callback_url``, then every account's Page to the app;
    returns :func:`status` afterwards. ``verify_token`` is the receiver's (by default
    ``INSTAPD_WEBHOOK_VERIFY_TOKEN``); Meta sends it to ``callback_url`` to verify it."""
    chosen = _fields(fields)
    url = secure_url(callback_url, "callback_url")
    verify_token = verify_token or os.environ.get(VERIFY_TOKEN_VARIABLE)
    if not isinstance(verify_token, str) or not verify_token:
        raise UsageError(
            f"subscribe() needs verify_token= (or {VERIFY_TOKEN_VARIABLE}): the one the "
            "receiver was started with."
        )
    connection = _connection(connection)
    app_id, app = _app_client(connection)
    params = {
        "object": OBJECT,
        "callback_url": url,
        "fields": ",".join(chosen),
        "verify_token": verify_token,
        "include_values": "true",
    }
    try:
        app.write("POST", f"{app_id}/subscriptions", params)
    except GraphError as exc:
        raise _app_refusal(exc) from None
    for linked in _accounts(connection, account):
        page = _page_client(connection, linked.page_id)
        try:
            page.write(
                "POST", f"{linked.page_id}/subscribed_apps", {"subscribed_fields": PAGE_FIELD}
            )
        except GraphError as exc:
            raise _page_refusal(exc) from None
    return status(connection=connection, account=account)


def status(
    *, connection: BaseConnection | None = None, account: str | list[str] = "all"
) -> pd.DataFrame:
    """What is subscribed: the app's row (``level="app"``), then one row per account's Page
    (``active``: whether the Page has subscribed this app)."""
    connection = _connection(connection)
    app_id, app = _app_client(connection)
    rows: list[dict[str, Any]] = []
    try:
        answer = app.get(f"{app_id}/subscriptions")
    except GraphError as exc:
        raise _app_refusal(exc) from None
    for item in answer.get("data") or []:
        rows.append(
            {
                "level": "app",
                "id": app_id,
                "account": None,
                "object": item.get("object"),
                "callback_url": item.get("callback_url"),
                "fields": sorted(_names(item.get("fields"))),
                "active": bool(item.get("active")),
            }
        )
    for linked in _accounts(connection, account):
        page = _page_client(connection, linked.page_id)
        try:
            apps = page.get(f"{linked.page_id}/subscribed_apps").get("data") or []
        except GraphError as exc:
            raise _page_refusal(exc) from None
        mine = next((a for a in apps if str(a.get("id")) == app_id), None)
        rows.append(
            {
                "level": "page",
                "id": linked.page_id,
                "account": linked.id,
                "object": "page",
                "callback_url": None,
                "fields": sorted(_names(mine.get("subscribed_fields"))) if mine else [],
                "active": mine is not None,
            }
        )
    return pd.DataFrame(rows, columns=list(STATUS_COLUMNS)).astype(STATUS_COLUMNS)


def _fields(fields: Sequence[str]) -> list[str]:
    given = [fields] if isinstance(fields, str) else fields
    if (
        not isinstance(given, list | tuple)
        or not given
        or not all(isinstance(f, str) and f.strip() for f in given)
    ):
        raise UsageError(
            f"fields= takes a list of webhook fields such as ['comments', 'mentions'], not "
            f"{fields!r}."
        )
    unknown = [f for f in given if f not in KNOWN_FIELDS]
    if unknown:
        raise UsageError(
            f"Unknown webhook field(s) {', '.join(unknown)}; Instagram's are "
            f"{', '.join(sorted(KNOWN_FIELDS))}."
        )
    return list(dict.fromkeys(given))


def _names(value: Any) -> list[str]:
    """Field names from ``["comments"]`` or ``[{"name": "comments", "version": "v25.0"}]``."""
    names = []
    for item in value or []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            names.append(name)
    return names


def _connection(connection: BaseConnection | None) -> BaseConnection:
    if connection is not None:
        return connection
    from ..api import default_connection

    return default_connection()


def _client(connection: BaseConnection, token: str, proof: bool) -> GraphClient:
    from ..graph import GraphClient

    app = connection.oauth_app()
    return GraphClient(
        base_url=connection.graph_url,
        version=connection.config.version,
        access_token=token,
        app_secret=app.client_secret if proof else None,
        timeout=connection.config.timeout,
    )


def _app_client(connection: BaseConnection) -> tuple[str, GraphClient]:
    """The app's id and a client with its app access token (``{app-id}|{app-secret}``)."""
    app = connection.oauth_app()
    if not app.client_secret:
        raise UsageError(
            "Managing webhooks needs your app's secret for an app access token: set "
            "OAuthClientSecret (INSTAPD_APP_SECRET)."
        )
    app_id = graph_id(app.client_id, "OAuthClientId")
    return app_id, _client(connection, f"{app_id}|{app.client_secret}", proof=False)


def _page_client(connection: BaseConnection, page_id: str) -> GraphClient:
    """A client with the Page's token, as ``/{page-id}?fields=access_token`` gives it."""
    answer = connection.client.get(graph_id(page_id, "page"), {"fields": "access_token"})
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise PermissionDeniedError(
            f"No Page token for Page {page_id}: the user has no task on it.", scopes=(PAGE_SCOPE,)
        )
    return _client(connection, token, proof=True)


def _accounts(connection: BaseConnection, account: str | list[str]) -> list[Any]:
    wanted = set(connection.resolve_accounts(account))
    return [a for a in connection.accounts() if a.id in wanted]


def _app_refusal(exc: GraphError) -> GraphError:
    if exc.code == 2200:
        return CallbackVerificationError(exc.message, **exc.details)
    if exc.code in _NO_PERMISSION:
        return AppNotLiveError(exc.message, **exc.details)
    return exc


def _page_refusal(exc: GraphError) -> GraphError:
    if exc.code in _NO_PERMISSION:
        return PermissionDeniedError(exc.message, scopes=(PAGE_SCOPE,), **exc.details)
    return exc
