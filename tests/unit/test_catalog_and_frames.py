import pandas as pd
import pytest

import instapd
from instapd.catalog import TABLES
from instapd.frames import DTYPES, to_frame
from instapd.io import build_query
from instapd.readers import READERS

FOUNDATION_TABLES = [
    "Pages", "InstagramPages", "InstagramBusinessProfile", "Media", "IGMedia", "MediaChildren",
    "Stories", "Comments", "Replies", "Tags", "Permissions",
]  # fmt: skip


def test_catalog_has_every_foundation_table_case_insensitively() -> None:
    for name in FOUNDATION_TABLES:
        assert TABLES[name.lower()].name == name


def test_catalog_entries_are_consistent() -> None:
    for table in TABLES.values():
        names = table.column_names
        assert len(names) == len(set(names)), table.name
        assert all(c.type in DTYPES for c in table.columns)
        assert table.reader in READERS, table.name
        for item in table.filters:
            if item.kind == "ids" and table.reader == "walk":
                assert item.name in names
                assert table.start_level(item.name) >= 1
            if item.kind in ("choice", "list"):
                assert item.choices, (table.name, item.name)
                defaults = (item.default,) if isinstance(item.default, str) else item.default
                assert set(defaults or ()) <= set(item.choices), (table.name, item.name)
        if table.time_column:
            assert table.column(table.time_column).type == "datetime"
        if table.scope != "user":
            assert "business_account_id" in names, table.name


def test_tables_and_describe_frames() -> None:
    listing = instapd.tables()
    assert set(FOUNDATION_TABLES) <= set(listing["name"])
    assert list(listing.columns[:5]) == ["name", "kind", "description", "scopes", "filters"]
    media = instapd.describe("MEDIA").set_index("column")
    assert media.loc["timestamp", "dtype"] == "datetime64[us, UTC]"
    assert media.loc["owner_id", "graph_field"] == "owner.id"
    assert instapd.describe("Comments").attrs["instapd"]["filters"] == {
        "media_id": "Media id(s): read only their comments"
    }


def test_frames_flatten_type_and_keep_missing_as_na() -> None:
    table = TABLES["media"]
    rows = [
        {"id": "1", "owner": {"id": "9"}, "like_count": 3, "timestamp": "2026-01-02T03:04:05+0000",
         "is_comment_enabled": True, "caption": "hi 👋\n\"x\""},
        {"id": 2, "timestamp": "2026-01-01T00:00:00+0000"},
    ]  # fmt: skip
    frame = to_frame(rows, table.columns)
    assert frame["id"].tolist() == ["1", "2"]
    assert frame["owner_id"].tolist()[0] == "9"
    assert frame["owner_id"].isna().tolist()[1]
    assert frame["like_count"].dtype == "Int64"
    assert frame["like_count"].isna().tolist() == [
        False,
        True,
    ]
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2026-01-02T03:04:05Z")
    assert str(frame["is_comment_enabled"].dtype) == "boolean"


def test_empty_frames_keep_columns_and_dtypes() -> None:
    table = TABLES["comments"]
    empty, full = to_frame([], table.columns), to_frame([{"id": "1"}], table.columns)
    assert empty.empty
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"table_name": "Medai"}, instapd.UnknownTableError, "Media"),
        ({"columns": ["captoin"]}, instapd.UnknownColumnError, "caption"),
        ({"since": "yesterday-ish"}, instapd.InvalidFilterError, "ISO string"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, instapd.InvalidFilterError, "before"),
        ({"limit": 0}, instapd.InvalidFilterError, "positive"),
        (
            {"table_name": "Comments", "filters": {"media_id": "abc"}},
            instapd.InvalidFilterError,
            "digits",
        ),
        ({"filters": {"hashtag": "x"}}, instapd.InvalidFilterError, "takes no filter"),
        ({"table_name": "Pages", "since": "2026-01-01"}, instapd.InvalidFilterError, "no time"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {
        "table_name": "Media", "columns": None, "since": None, "until": None, "limit": None,
        "filters": {},
    }  # fmt: skip
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        build_query(**arguments)  # type: ignore[arg-type]
