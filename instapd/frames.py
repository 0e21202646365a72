"""Rows -> typed DataFrames, from the catalog's column types. Knows pandas, never HTTP.

========  ==========================  =========================================
type      pandas dtype                notes
========  ==========================  =========================================
id        ``string``                  ids are strings, never numbers
string    ``string``                  missing is ``<NA>``
datetime  ``datetime64[us, UTC]``     parsed from the API's ``+0000`` stamps
int       ``Int64``                   missing is ``<NA>``, never 0
float     ``Float64``
bool      ``boolean``
list      ``object``                  Python lists
========  ==========================  =========================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .catalog import Column

DTYPES: dict[str, Any] = {
    "id": pd.StringDtype(),
    "string": pd.StringDtype(),
    "datetime": pd.DatetimeTZDtype("us", "UTC"),
    "int": pd.Int64Dtype(),
    "float": pd.Float64Dtype(),
    "bool": pd.BooleanDtype(),
    "list": np.dtype(object),
}
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def value_at(row: dict[str, Any], column: Column) -> Any:
    """The column's value in a raw row; ``None`` when the API omitted it."""
    path = column.path or (column.name,)
    value: Any = row
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _column_values(rows: list[dict[str, Any]], column: Column) -> list[Any]:
    path = column.path or (column.name,)
    if len(path) == 1:  # most columns: one key, read directly
        key = path[0]
        return [row.get(key) for row in rows]
    return [value_at(row, column) for row in rows]


def to_frame(rows: Iterable[dict[str, Any]], columns: Sequence[Column]) -> pd.DataFrame:
    """A frame with exactly ``columns``, typed; the same columns and dtypes when empty."""
    rows = list(rows)
    data = {c.name: _array(_column_values(rows, c), c) for c in columns}
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)), copy=False)


def _array(values: list[Any], column: Column) -> Any:
    """The column's typed array (arrays, not Series: the frame takes them without aligning)."""
    dtype = DTYPES[column.type]
    if column.type == "datetime":  # each distinct stamp parsed once (a day's 24 hours share one)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        parsed = pd.to_datetime(pd.Series(uniques, dtype=object), format=_TIME_FORMAT, utc=True)
        return parsed.astype(dtype).array.take(codes, allow_fill=True)
    if column.type == "list":  # a Series: numpy would read equal-length lists as a matrix
        return pd.Series(values, dtype=object)
    if column.type == "id":
        values = [None if v is None else str(v) for v in values]
    if dtype == DTYPES["string"]:
        try:  # straight to Arrow: pandas would check and copy every string first
            return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: pandas converts
            pass
    return pd.array(values, dtype=dtype)


def empty_frame(columns: Sequence[Column]) -> pd.DataFrame:
    return to_frame([], columns)


__all__ = [
    "DTYPES",
    "empty_frame",
    "to_frame",
    "value_at",
]
