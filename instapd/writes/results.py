"""The frame every write returns: one row per input row, ``id``, ``status`` and ``error``."""

from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd

from .plan import Item

COLUMNS = {"id": "string", "status": "string", "error": "string"}
PREVIEW = {"method": "string", "path": "string", "body": "string"}


def result_frame(items: list[Item], *, preview: bool = False) -> pd.DataFrame:
    """``id`` is the object written (or the new comment's id); ``error`` the message, or NA.

    With ``preview`` (``dry_run=True``), ``method``, ``path`` and ``body`` say what would be
    sent, and ``status`` ``ok`` means it would be.
    """
    records = []
    for item in items:
        record: dict[str, object] = {
            "id": item.result_id
            or item.target
            or (item.given if item.kind != "comment" and item.kind != "reply" else None),
            "status": item.status or "ok",
            "error": str(item.error) if item.error is not None else None,
        }
        if preview:
            method, path, params = item.request()
            sendable = item.status is None
            record.update(
                method=method if sendable else None,
                path=path if sendable else None,
                body=urlencode(params) if sendable and params else None,
            )
        records.append(record)
    dtypes = {**COLUMNS, **(PREVIEW if preview else {})}
    frame = pd.DataFrame(records, columns=list(dtypes), index=[i.row for i in items])
    return frame.astype(dtypes)


def identity_rows(action: str, result: pd.DataFrame) -> tuple[dict[str, object], ...]:
    """CData's ``sys_identity`` rows of one write: each row's id, its place in the batch
    (``"1"``, ``"2"``, ...), the operation, and ``SUCCESS`` or the error."""
    return tuple(
        {
            "Id": row.id if isinstance(row.id, str) else None,  # <NA>: nothing made
            "Batch": str(number),
            "Operation": action.upper(),
            "Message": str(row.error) if row.status == "error" else "SUCCESS",
        }
        for number, row in enumerate(result.itertuples(index=False), start=1)
    )
