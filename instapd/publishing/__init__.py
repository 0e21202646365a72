"""Publishing images, reels, carousels and stories: Meta's container lifecycle, handled.

:func:`publish` checks the post (:mod:`.rules`), then the account's quota, creates the
containers (a carousel's items first), waits for them, publishes exactly once and reads the
permalink back (:mod:`.lifecycle`). A container that expires is made again once. The cache
entries publishing makes stale (media, stories, the publishing limit) are dropped.
:func:`instapd.publish`, ``Connection.publish`` and ``python -m instapd publish`` call it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ContainerExpiredError, InstapdError, OfflineError, UsageError
from ..progress import enabled
from ..writes.invalidate import MEDIA_TABLES, invalidate
from .lifecycle import KINDS, Lifecycle
from .rules import Post, plan_post

if TYPE_CHECKING:
    import pandas as pd

    from ..connection import BaseConnection

COLUMNS = {
    "id": "string",
    "container_id": "string",
    "media_type": "string",
    "permalink": "string",
    "status": "string",
}
#: What publishing changes in the cache: the media lists, stories, the account, the quota.
PUBLISH_TABLES = MEDIA_TABLES | {"contentpublishinglimit", "instagrambusinessaccount"}


def publish(
    connection: BaseConnection,
    frame: pd.DataFrame | None = None,
    *,
    account: str | None = None,
    wait: bool = True,
    timeout: float = 300,
    progress: bool | None = None,
    on_status: Callable[[str, str], None] | None = None,
    **fields: Any,
) -> pd.DataFrame:
    """One post from ``fields``, or one per row of ``frame``; see :func:`instapd.publish`.
    ``on_status(container_id, status_code)`` hears every container status read."""
    if connection.config.offline:
        raise OfflineError("INSTAPD_OFFLINE=1 and publishing needs the API; unset INSTAPD_OFFLINE.")
    _check_waiting(wait, timeout)
    if frame is not None:
        if fields:
            raise UsageError("Pass a DataFrame of posts, or the fields of one post, not both.")
        return _publish_frame(connection, frame, account, wait, timeout, progress)
    post = plan_post(**fields)
    lifecycle = _lifecycle(connection, account, progress)
    lifecycle.on_status = on_status
    lifecycle.check_quota()
    row = _run(lifecycle, post, wait, timeout)
    _invalidate(connection, lifecycle.account, row)
    return _frame([row])


def publish_container(
    connection: BaseConnection,
    container_id: str,
    *,
    account: str | None = None,
    timeout: float = 300,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Wait for a container made with ``wait=False`` and publish it (once)."""
    _check_waiting(True, timeout)
    container_id = str(container_id)
    if not container_id.isdigit():
        raise UsageError(
            f"A container id is digits, as publish(wait=False) returns; not {container_id!r}."
        )
    lifecycle = _lifecycle(connection, account, progress)
    lifecycle.check_quota()
    status = lifecycle.wait(container_id, timeout)
    if status == "PUBLISHED":
        raise UsageError(f"Container {container_id} is already published.")
    media_id = lifecycle.publish(container_id, timeout)
    row = _published(lifecycle, container_id, media_id, None)
    _invalidate(connection, lifecycle.account, row)
    return _frame([row])


#: The longest a publish waits for its container (Meta lets a container live 24 hours).
MAX_TIMEOUT = 24 * 3600


def _check_waiting(wait: Any, timeout: Any) -> None:
    """``wait`` a boolean, ``timeout`` seconds in (0, 24 hours]: refused before any request."""
    if not isinstance(wait, bool):
        raise UsageError(f"wait= takes True or False, not {wait!r}.")
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout <= MAX_TIMEOUT  # NaN fails it too
    ):
        raise UsageError(
            f"timeout= takes the seconds to wait for the container, more than 0 and at most "
            f"{MAX_TIMEOUT} (24 hours), not {timeout!r}."
        )


def _lifecycle(connection: BaseConnection, account: str | None, progress: bool | None) -> Lifecycle:
    ids = connection.resolve_accounts(account)
    if len(ids) != 1:
        raise UsageError("Publish to one account at a time: pass account= an id or username.")
    return Lifecycle(connection.client, ids[0], show_progress=enabled(progress))


def _run(lifecycle: Lifecycle, post: Post, wait: bool, timeout: float) -> dict[str, Any]:
    """Create, wait, publish; a container that expires is made again once."""
    for again in (False, True):
        container_id = lifecycle.create(post, timeout)
        if not wait:
            status, _ = lifecycle.status(container_id)
            return {
                "id": None,
                "container_id": container_id,
                "media_type": post.media_type,
                "permalink": None,
                "status": status,
            }
        try:
            lifecycle.wait(container_id, timeout)
            media_id = lifecycle.publish(container_id, timeout, post.caption)
        except ContainerExpiredError:
            if again:
                raise
            continue
        return _published(lifecycle, container_id, media_id, post.media_type)
    raise AssertionError("unreachable")  # pragma: no cover


def _published(
    lifecycle: Lifecycle, container_id: str, media_id: str, media_type: str | None
) -> dict[str, Any]:
    media = lifecycle.read_back(media_id)
    if media_type is None:
        product = str(media.get("media_product_type") or "")
        kind = str(media.get("media_type") or "")
        media_type = KINDS.get(product) or ("CAROUSEL" if kind == "CAROUSEL_ALBUM" else kind)
    return {
        "id": media_id,
        "container_id": container_id,
        "media_type": media_type,
        "permalink": media.get("permalink"),
        "status": "PUBLISHED",
    }


def _publish_frame(
    connection: BaseConnection,
    frame: pd.DataFrame,
    account: str | None,
    wait: bool,
    timeout: float,
    progress: bool | None,
) -> pd.DataFrame:
    """Each row a post; every row is checked before any is sent. A row Meta refuses gets
    ``status`` ``error`` and its message in ``error``; the others go on."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise UsageError("publish takes a DataFrame of posts, or keyword fields of one post.")
    posts = [plan_post(row=index, **_row_fields(row)) for index, row in frame.iterrows()]
    lifecycle = _lifecycle(connection, account, progress)
    rows: list[dict[str, Any]] = []
    quota_checked = False
    for post in posts:
        try:
            if not quota_checked:
                lifecycle.check_quota()
                quota_checked = True
            rows.append(_run(lifecycle, post, wait, timeout) | {"error": None})
        except InstapdError as exc:
            rows.append(
                {
                    "container_id": getattr(exc, "container_id", None),
                    "media_type": post.media_type,
                    "status": "error",
                    "error": str(exc),
                }
            )
    for row in rows:
        _invalidate(connection, lifecycle.account, row)
    return _frame(rows, index=frame.index, errors=True)


def _row_fields(row: Any) -> dict[str, Any]:
    import pandas as pd

    fields: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, list | tuple | dict) or not pd.isna(value):
            fields[str(key)] = value
    return fields


def _invalidate(connection: BaseConnection, account: str, row: dict[str, Any]) -> None:
    if row.get("status") == "PUBLISHED":
        invalidate(connection.config.cache_location, {account}, media=True, tables=PUBLISH_TABLES)


def _frame(rows: list[dict[str, Any]], index: Any = None, errors: bool = False) -> pd.DataFrame:
    import pandas as pd

    dtypes = {**COLUMNS, **({"error": "string"} if errors else {})}
    frame = pd.DataFrame(rows, columns=list(dtypes), index=index)
    return frame.astype(dtypes)


def quota(connection: BaseConnection, account: str | None = None) -> dict[str, int | None]:
    """The account's publishing quota now: ``quota_usage``, ``quota_total``, ``quota_duration``."""
    return _lifecycle(connection, account, False).read_quota()


def preview(
    connection: BaseConnection, frame: pd.DataFrame, account: str | None = None
) -> pd.DataFrame:
    """What :func:`publish` of ``frame`` would send first, sending nothing: each row's rules
    checked (``status`` ``error`` and why, else ``ok``) and the container it would create
    (``method``, ``path``, ``body``); the quota is read, and a full one raises."""
    from urllib.parse import urlencode

    import pandas as pd

    lifecycle = _lifecycle(connection, account, False)
    lifecycle.check_quota()
    rows: list[dict[str, Any]] = []
    for index, row in frame.iterrows():
        try:
            post = plan_post(row=index, **_row_fields(row))
        except InstapdError as exc:
            rows.append({"status": "error", "error": str(exc)})
            continue
        body = (
            urlencode(post.params())
            if not post.children
            else urlencode({**post.params(), "children": f"<{len(post.children)} item containers>"})
        )
        rows.append({"media_type": post.media_type, "status": "ok", "method": "POST",
                     "path": f"{lifecycle.account}/media", "body": body})  # fmt: skip
    columns = {**COLUMNS, "error": "string", "method": "string", "path": "string"}
    columns["body"] = "string"
    return pd.DataFrame(rows, columns=list(columns), index=frame.index).astype(columns)


__all__ = ["PUBLISH_TABLES", "preview", "publish", "publish_container", "quota"]
