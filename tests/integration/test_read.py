"""read_instagram against the sandbox over loopback HTTP: every table, paging, filters, accounts."""

from __future__ import annotations

import pandas as pd
import pytest

import instapd
from instapd.catalog import TABLES
from instapd.frames import DTYPES
from instapd.sandbox import Sandbox

ACCOUNT_TABLES = ["InstagramPages", "InstagramBusinessProfile", "Media", "IGMedia",
                  "MediaChildren", "Stories", "Comments", "Replies", "Tags"]  # fmt: skip


def _media_nodes(sandbox: Sandbox, account: str) -> list[dict[str, object]]:
    data = sandbox.dataset
    return [data[i].values for i in data[account].edges["media"]]


def _expected_dtypes(table: str) -> dict[str, str]:
    return {c.name: str(DTYPES[c.type]) for c in TABLES[table.lower()].columns}


@pytest.mark.parametrize("table", ACCOUNT_TABLES)
def test_every_account_table_reads_typed_rows(
    connection: instapd.Connection, account: str, table: str
) -> None:
    frame = connection.read(table, account=account)
    assert len(frame) > 0
    assert {k: str(v) for k, v in frame.dtypes.items()} == _expected_dtypes(table)
    assert (frame["business_account_id"] == account).all()
    assert frame.attrs["instapd"]["table"] == table
    assert frame.attrs["instapd"]["api_version"] == "v25.0"


@pytest.mark.parametrize("table", ["Pages", "Permissions"])
def test_user_tables(connection: instapd.Connection, table: str) -> None:
    frame = connection.read(table)
    assert {k: str(v) for k, v in frame.dtypes.items()} == _expected_dtypes(table)
    if table == "Pages":
        assert len(frame) == 3
        assert frame["instagram_business_account_id"].isna().sum() == 1
    else:
        assert "instagram_manage_comments" in set(frame["permission"])


def test_media_every_item_once_across_many_pages(clean_sandbox: Sandbox, account: str) -> None:
    connection = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, Pagesize=12
    )
    frame = connection.read("Media", account=account)
    expected = _media_nodes(clean_sandbox, account)
    assert frame["id"].tolist() == [m["id"] for m in expected]
    assert clean_sandbox.requests_served == 1 + 14  # /me once for the cache, ceil(160 / 12) pages
    hidden = [m["id"] for m in expected if "like_count" not in m]
    assert hidden
    assert frame.set_index("id").loc[hidden, "like_count"].isna().all()
    captionless = [m["id"] for m in expected if "caption" not in m]
    assert frame.set_index("id").loc[captionless, "caption"].isna().all()
    assert frame["timestamp"].dt.tz is not None


def test_columns_ask_the_api_only_for_those_fields(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    frame = connection.read("Media", account=account, columns=["caption", "owner_id"], limit=3)
    assert list(frame.columns) == ["caption", "owner_id"]
    assert (frame["owner_id"] == account).all()
    assert clean_sandbox.app.log[-1].endswith("fields=caption%2Cowner%7Bid%7D&limit=100")


def test_since_until_pushed_down_and_exact(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    stamps = pd.Series([m["timestamp"] for m in _media_nodes(clean_sandbox, account)])
    since, until = stamps.iloc[40], stamps.iloc[10]  # newest first
    frame = connection.read("Media", account=account, since=since, until=until)
    assert frame["timestamp"].min() == pd.Timestamp(since)
    assert frame["timestamp"].max() < pd.Timestamp(until)
    assert len(frame) == 30  # [since, until): 31 stamps minus the one at until
    assert "since=" in clean_sandbox.app.log[-1]


@pytest.mark.parametrize("form", ["date", "timestamp", "unix", "offset"])
def test_since_accepts_strings_timestamps_and_unix_seconds(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str, form: str
) -> None:
    stamps = pd.Series(
        pd.to_datetime([m["timestamp"] for m in _media_nodes(clean_sandbox, account)])
    )
    # a day boundary with media on both sides of it
    day = stamps.iloc[len(stamps) // 2].floor("D")
    value: object = {
        "date": day.strftime("%Y-%m-%d"),
        "timestamp": day.tz_localize(None),
        "unix": int(day.timestamp()),
        "offset": (day + pd.Timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01:00"),
    }[form]
    frame = connection.read("Media", account=account, since=value, columns=["timestamp"])
    assert (stamps < day).any()
    assert (frame["timestamp"] >= day).all()
    assert len(frame) == (stamps >= day).sum() > 0


def test_limit_stops_paging(clean_sandbox: Sandbox, account: str) -> None:
    connection = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, Pagesize=2
    )
    assert len(connection.read("Media", account=account, limit=5)) == 5
    assert clean_sandbox.requests_served == 1 + 3  # /me once for the cache, then 3 pages


def test_account_choice(connection: instapd.Connection, clean_sandbox: Sandbox) -> None:
    first, second = clean_sandbox.account_ids
    with pytest.raises(instapd.AccountError, match=r"brewlab\.coffee.*atelier\.nord"):
        connection.read("Stories")
    by_name = connection.read("Stories", account="@atelier.nord")
    assert set(by_name["business_account_id"]) == {second}
    both = connection.read("InstagramBusinessProfile", account="all")
    assert both["business_account_id"].tolist() == [first, second]
    assert both["username"].tolist() == ["brewlab.coffee", "atelier.nord"]
    with pytest.raises(instapd.AccountError, match="nobody"):
        connection.read("Stories", account="nobody")
    preset = instapd.connect(
        f"OAuthAccessToken={clean_sandbox.token};BusinessAccountId={second}",
        graph_url=clean_sandbox.url,
    )
    assert set(preset.read("Stories")["business_account_id"]) == {second}


def test_the_only_linked_account_is_the_default() -> None:
    with Sandbox(media_per_account=(7,)) as sandbox:
        connection = instapd.connect(graph_url=sandbox.url, access_token=sandbox.token)
        frame = connection.read("Media")
        assert len(frame) == 7
        assert set(frame["business_account_id"]) == set(sandbox.account_ids)


def test_comments_walk_every_media_and_overflowing_threads(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    data = clean_sandbox.dataset
    expected = [c for m in data[account].edges["media"] for c in data[m].edges.get("comments", [])]
    frame = connection.read("Comments", account=account)
    assert sorted(frame["id"]) == sorted(expected)
    busy = [m for m in data[account].edges["media"] if len(data[m].edges.get("comments", [])) > 50]
    assert busy, "the dataset has media with more than 50 comments"
    extra = [-(-len(data[m].edges["comments"]) // 50) - 1 for m in busy]  # pages past the 1st
    # the overflow goes level by level, every thread's next page in one batch (50 a batch)
    levels = [sum(1 for n in extra if n >= level) for level in range(1, max(extra) + 1)]
    assert clean_sandbox.requests_served == 2 + sum(-(-n // 50) for n in levels) < 2 + sum(extra)
    assert frame["hidden"].any()
    assert not frame["hidden"].all()
    # the same rows, in the same order, as the lazy read a row limit takes (one media at a time)
    lazy = connection.read("Comments", account=account, limit=len(frame) + 1)
    pd.testing.assert_frame_equal(lazy, frame)


def test_comments_media_id_is_pushed_down(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    data = clean_sandbox.dataset
    busy = next(
        m for m in data[account].edges["media"] if len(data[m].edges.get("comments", [])) > 50
    )
    frame = connection.read("Comments", media_id=busy, account=account)
    assert frame["id"].tolist() == data[busy].edges["comments"]
    assert (frame["media_id"] == busy).all()
    assert all(line.startswith(f"GET /v25.0/{busy}/comments") for line in clean_sandbox.app.log)


def test_replies_by_comment_and_by_media(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    data = clean_sandbox.dataset
    media, comment = next(
        (m, c)
        for m in data[account].edges["media"]
        for c in data[m].edges.get("comments", [])
        if data[c].edges.get("replies")
    )
    by_comment = connection.read("Replies", comment_id=comment, account=account)
    assert by_comment["id"].tolist() == data[comment].edges["replies"]
    assert (by_comment["parent_id"] == comment).all()
    by_media = connection.read("Replies", media_id=media, account=account)
    assert set(by_comment["id"]) <= set(by_media["id"])
    assert (by_media["media_id"] == media).all()


def test_igmedia_by_one_or_many_ids(connection: instapd.Connection, account: str) -> None:
    media = connection.read("Media", account=account, columns=["id"], limit=3)["id"].tolist()
    one = connection.read("IGMedia", id=media[0], account=account)
    assert one["id"].tolist() == media[:1]
    many = connection.read("IGMedia", id=media, account=account)
    assert many["id"].tolist() == media
    assert many["permalink"].notna().all()


def test_media_children_come_inline(
    connection: instapd.Connection, clean_sandbox: Sandbox, account: str
) -> None:
    frame = connection.read("MediaChildren", account=account)
    data = clean_sandbox.dataset
    albums = [m for m in data[account].edges["media"] if data[m].edges.get("children")]
    assert sorted(set(frame["media_id"])) == sorted(albums)
    assert len(frame) == sum(len(data[m].edges["children"]) for m in albums)
    assert clean_sandbox.requests_served == 2


def test_tags_follow_cursors_without_links(clean_sandbox: Sandbox, account: str) -> None:
    connection = instapd.connect(
        graph_url=clean_sandbox.url, access_token=clean_sandbox.token, Pagesize=10
    )
    frame = connection.read("Tags", account=account)
    assert frame["id"].tolist() == clean_sandbox.dataset[account].edges["tags"]


def test_empty_result_is_typed(connection: instapd.Connection, account: str) -> None:
    frame = connection.read("Media", account=account, since="2000-01-01", until="2000-01-02")
    assert frame.empty
    assert {k: str(v) for k, v in frame.dtypes.items()} == _expected_dtypes("Media")


def test_pandas_reader_and_sandbox_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTAPD_SANDBOX", "1")
    instapd.set_default_connection(None)
    frame = pd.read_instagram("InstagramBusinessProfile", account="all")  # type: ignore[attr-defined]
    assert frame["username"].tolist() == ["brewlab.coffee", "atelier.nord"]


def test_no_credentials_says_how_to_get_some() -> None:
    with pytest.raises(instapd.NoCredentialsError, match="INSTAPD_SANDBOX=1") as info:
        instapd.read_instagram("Media")
    assert "INSTAPD_ACCESS_TOKEN" in str(info.value)
    assert "login" in str(info.value)


def test_expired_token(clean_sandbox: Sandbox, account: str) -> None:
    token = clean_sandbox.issue_token(lifetime=-1)
    connection = instapd.connect(graph_url=clean_sandbox.url, access_token=token)
    with pytest.raises(instapd.TokenExpiredError, match="log in again") as info:
        connection.read("Media", account=account)
    assert (info.value.code, info.value.subcode) == (190, 463)
    assert clean_sandbox.requests_served == 1, "auth errors are not retried"


def test_missing_permission_names_the_scope(clean_sandbox: Sandbox, account: str) -> None:
    token = clean_sandbox.issue_token(scopes=("instagram_basic", "pages_show_list"))
    connection = instapd.connect(graph_url=clean_sandbox.url, access_token=token)
    with pytest.raises(instapd.PermissionDeniedError, match="instagram_manage_comments"):
        connection.read("Comments", account=account)


def test_unknown_object_is_not_found(connection: instapd.Connection, account: str) -> None:
    with pytest.raises(instapd.NotFoundError, match="Check the id"):
        connection.read("IGMedia", id="999", account=account)


def test_appsecret_proof_sent_when_the_secret_is_known() -> None:
    with Sandbox(app_secret="s3cret", require_appsecret_proof=True) as sandbox:
        good = instapd.connect(
            graph_url=sandbox.url, access_token=sandbox.token, client_secret="s3cret", Pagesize=7
        )
        assert len(good.read("Media", account="all")) == 220  # paging links keep the proof
        bad = instapd.connect(graph_url=sandbox.url, access_token=sandbox.token)
        with pytest.raises(instapd.InvalidParameterError, match="appsecret_proof"):
            bad.read("Media", account="all", cache=False)


def test_any_graph_server_via_environment(
    clean_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pointed at a Graph server by INSTAPD_GRAPH_URL + INSTAPD_ACCESS_TOKEN, as a user would."""
    monkeypatch.setenv("INSTAPD_GRAPH_URL", clean_sandbox.url)
    monkeypatch.setenv("INSTAPD_ACCESS_TOKEN", clean_sandbox.token)
    monkeypatch.setenv("INSTAPD_BUSINESS_ACCOUNT_ID", clean_sandbox.account_ids[1])
    frame = pd.read_instagram("Media")  # type: ignore[attr-defined]
    assert frame["id"].is_unique
    assert len(frame) == 60


def test_max_rows_caps_every_read(clean_sandbox: Sandbox, account: str) -> None:
    connection = instapd.connect(
        f"OAuthAccessToken={clean_sandbox.token};MaxRows=9", graph_url=clean_sandbox.url
    )
    assert len(connection.read("Media", account=account)) == 9
    assert len(connection.read("Media", account=account, limit=4)) == 4


def test_an_existing_pandas_reader_is_left_alone() -> None:
    import warnings

    from instapd import _register_pandas_reader

    def theirs() -> None: ...

    ours = pd.read_instagram  # type: ignore[attr-defined]
    pd.read_instagram = theirs  # type: ignore[attr-defined]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _register_pandas_reader()
        assert pd.read_instagram is theirs  # type: ignore[attr-defined]
        assert "leaving it alone" in str(caught[0].message)
    finally:
        pd.read_instagram = ours  # type: ignore[attr-defined]
