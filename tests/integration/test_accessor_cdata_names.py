"""df.ig on frames read under ColumnNames=CData: the accessor follows CData's names too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import instapd
from instapd.sandbox import Sandbox
from tests.support import sandbox_connection


@pytest.fixture
def cdata(clean_sandbox: Sandbox, account: str) -> Iterator[instapd.Connection]:
    with sandbox_connection(
        clean_sandbox, business_account_id=account, column_names="CData", cache=False
    ) as connection:
        yield connection


def test_follow_ups_and_writes_from_cdata_named_frames(
    cdata: instapd.Connection, clean_sandbox: Sandbox
) -> None:
    media = cdata.read("Media", limit=3)
    assert "Id" in media.columns
    assert "id" not in media.columns
    comments = media.ig.comments(connection=cdata)
    assert {"Id", "MediaId", "Text"} <= set(comments.columns)
    assert set(comments["MediaId"]) <= set(media["Id"])
    preview = comments.head(2).ig.hide(connection=cdata, dry_run=True)
    assert preview["path"].tolist() == comments["Id"].head(2).tolist()
    engaged = media.ig.engagement(connection=cdata)
    assert {"Id", "LikesCount", "interactions"} <= set(engaged.columns)
    assert "id" not in engaged.columns
    assert engaged["Id"].tolist() == media["Id"].tolist()
