"""Snapshot files hold only Parquet types Spark 3 reads: no TIMESTAMP(NANOS), no unsigned ints."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from instapd.snapshots import SnapshotDataset
from instapd.snapshots.snapshot import to_arrow


def _parquet_columns(path: Path) -> dict[str, tuple[str, str]]:
    """Each leaf column's physical and logical Parquet type, as the file declares them."""
    schema = pq.ParquetFile(path).schema
    return {
        schema.column(i).path: (schema.column(i).physical_type, str(schema.column(i).logical_type))
        for i in range(len(schema))
    }


def test_the_writer_keeps_to_types_spark_reads(tmp_path: Path) -> None:
    posted = pd.Series(pd.to_datetime(["2026-01-02T03:04:05Z", None]), dtype="datetime64[ns, UTC]")
    frame = pd.DataFrame(
        {
            "id": pd.array(["1", "2"], dtype="string"),
            "timestamp": posted,
            "naive": posted.dt.tz_localize(None),
            "small": pd.array([1, 255], dtype="UInt8"),
            "big": pd.array([7, None], dtype="UInt64"),
            "kind": pd.Categorical(["IMAGE", "VIDEO"]),
        }
    )
    table = to_arrow(frame, pd.Timestamp("2026-01-03T00:00:00Z").to_pydatetime())
    table = table.append_column("tags", pa.array([["a"], []], pa.large_list(pa.large_string())))
    assert pa.types.is_timestamp(table.schema.field("timestamp").type)
    assert table.schema.field("timestamp").type.unit == "ns", "the case Spark refuses"
    dataset = SnapshotDataset(tmp_path)
    path = dataset.path("Media", "1", "2026-01-03", "20260103T000000Z-0000beef")
    dataset.write(path, table, {"rows": 2})

    columns = _parquet_columns(path)
    assert not [c for c, (_, logical) in columns.items() if "nanoseconds" in logical]
    assert not [c for c, (_, logical) in columns.items() if "isSigned=false" in logical]
    assert "microseconds" in columns["timestamp"][1]
    assert "isAdjustedToUTC=true" in columns["timestamp"][1]
    assert "isAdjustedToUTC=false" in columns["naive"][1]  # Spark 3.4+: TIMESTAMP_NTZ
    arrow = pq.read_schema(path)
    assert not any(pa.types.is_dictionary(f.type) for f in arrow)
    assert not any(pa.types.is_large_string(f.type) for f in arrow)
    assert not any(pa.types.is_large_list(f.type) for f in arrow)

    back = pq.read_table(path).to_pandas()
    assert back["timestamp"].iloc[0] == pd.Timestamp("2026-01-02T03:04:05Z")
    assert back["small"].tolist() == [1, 255]
    assert back["big"].iloc[0] == 7
    assert back["kind"].astype(str).tolist() == ["IMAGE", "VIDEO"]
    assert back["tags"].map(list).tolist() == [["a"], []]


def _from_pandas(frame: pd.DataFrame, at: pd.Timestamp) -> pa.Table:
    """What ``to_arrow`` stands for: pyarrow's own conversion of the stamped frame."""
    stamped = frame.assign(snapshot_at=at.tz_convert("UTC").as_unit("us"))
    stamped.attrs = {}
    return pa.Table.from_pandas(stamped, preserve_index=False)


def test_to_arrow_is_from_pandas_table_and_metadata_every_time(tmp_path: Path) -> None:
    # to_arrow works out the pandas metadata once per kind of frame: the second and later
    # frames of a kind (other rows, other categories, no rows, all missing) must still get
    # exactly the table and metadata from_pandas gives them, so pandas reads the file back
    # with its dtypes.
    at = pd.Timestamp("2026-01-03T04:05:06Z")

    def frame(ids: list[str | None], kinds: list[str]) -> pd.DataFrame:
        n = len(ids)
        return pd.DataFrame(
            {
                "id": pd.array(ids, dtype="string"),
                "count": pd.array(list(range(n)), dtype="Int64"),
                "share": [0.5] * n,
                "posted": pd.Series(pd.to_datetime(["2026-01-02T03:04:05Z"] * n, utc=True)),
                "tags": [["a", "b"]] * n,
                "kind": pd.Categorical(kinds),
                "raw": [None] * n,
            }
        )

    frames = [
        frame(["1", "2"], ["IMAGE", "VIDEO"]),
        frame(["3", None], ["IMAGE", "VIDEO"]),
        frame(["4", "5", "6"], ["IMAGE", "IMAGE", "CAROUSEL_ALBUM"]),
        frame([], []),
        frame(["7"], ["REEL"]),
    ]
    frames[1].attrs = {"instapd": {"source": "api"}}  # attrs never reach the file
    for each in [*frames, *frames]:
        table = to_arrow(each, at.to_pydatetime())
        expected = _from_pandas(each, at)
        assert table.equals(expected, check_metadata=True)
        assert table.schema.metadata == expected.schema.metadata
    path = tmp_path / "back.parquet"
    pq.write_table(to_arrow(frames[2], at.to_pydatetime()), path)
    back = pd.read_parquet(path)
    assert dict(back.dtypes.drop("snapshot_at")) == dict(frames[2].dtypes)
    assert str(back["snapshot_at"].dtype) == "datetime64[us, UTC]"


def test_the_summary_frame_has_its_dtypes_and_missing_keys_missing() -> None:
    from instapd.snapshots.snapshot import SUMMARY_COLUMNS, summary_frame

    rows = [
        {"table": "Media", "account": "1", "rows": 3, "path": "/a.parquet", "run": "r",
         "status": "written"},
        {"table": "Media", "account": "2", "rows": 0, "path": None, "run": "r",
         "status": "error", "error": "boom"},
    ]  # fmt: skip
    for given in (rows, []):
        summary = summary_frame(given)
        assert list(summary.columns) == list(SUMMARY_COLUMNS)
        assert {k: str(v) for k, v in summary.dtypes.items()} == SUMMARY_COLUMNS
        assert len(summary) == len(given)
        assert isinstance(summary.index, pd.RangeIndex)
    summary = summary_frame(rows)
    assert summary["rows"].tolist() == [3, 0]
    assert summary["path"].isna().tolist() == [False, True]
    assert summary["error"].isna().tolist() == [True, False]
    assert summary["competitor"].isna().all()
