"""The functions SQL may call: plain scalar, aggregate and window functions, by name.

A statement may name only the catalog's tables (and its own CTEs, :mod:`.pushdown`) and call
only the functions listed here: DuckDB's table functions, settings, logging, ``query('...')``,
file readers and the like are refused on the tree, before anything runs (:mod:`.engine` then
runs what is left locked down).
"""

from __future__ import annotations

import re

from sqlglot import exp

from ..errors import SqlNotSupportedError

# sqlglot's classes for the functions that may run (their DuckDB spellings in the comments)
_TYPED = frozenset(
    """
    Count Sum Avg Min Max Median Stddev StddevSamp StddevPop Variance VariancePop GroupConcat
    ArrayAgg AnyValue First Last CountIf LogicalAnd LogicalOr Corr CovarPop CovarSamp ArgMax
    ArgMin Mode PercentileCont PercentileDisc Quantile ApproxDistinct ApproxQuantile
    RowNumber Rank DenseRank Lag Lead FirstValue LastValue NthValue Ntile PercentRank CumeDist
    Abs Ceil Floor Round Sqrt Exp Ln Log Pow Sign Trunc Coalesce Nullif If Case Greatest Least
    Cast TryCast Concat ConcatWs Lower Upper Length Substring Trim Replace StrPosition Left
    Right Pad RegexpLike RegexpILike RegexpFullMatch RegexpExtract RegexpReplace SplitPart Split
    StartsWith EndsWith Contains Reverse Repeat Ascii Chr MD5 SHA2 Levenshtein Initcap
    TimestampTrunc DateTrunc Extract DateDiff DateAdd DateSub TimestampAdd TimestampSub
    TimestampDiff CurrentDate CurrentTimestamp TimeToStr StrToTime UnixToTime TimeToUnix
    Year Month Day Hour Minute Second DayOfWeek DayOfWeekIso DayOfYear DayOfMonth Dayname
    Monthname Week WeekOfYear Quarter LastDay DateFromParts TimestampFromParts DateBin Date
    TsOrDsToDate StrToDate Array ArraySize ArrayContains ArrayToString Explode Struct
    JSONExtract JSONExtractScalar Rand Typeof Interval Bracket And Or Xor Not Collate Exists
    ArrayContainsAll ArrayOverlaps ArrayPosition ArrayFilter ArraySort ArrayDistinct Unnest
    """.split()
)
# DuckDB functions sqlglot has no class for (exp.Anonymous), by name
_ANONYMOUS = frozenset(
    """
    now strlen date_part datepart age to_json histogram hash list_contains list_value len
    epoch_ms epoch_us isodow yearweek weekday millisecond microsecond regexp_matches
    bit_length octet_length to_days to_hours to_minutes to_seconds make_time list_sort
    list_distinct list_reverse array_length prefix suffix bool_and bool_or
    """.split()
)


def check_functions(tree: exp.Expression, query: str) -> None:
    """Refuse any function not on the lists above: table functions, settings, logging,
    ``query()``, file readers, sequences, and everything else DuckDB has."""
    for node in tree.walk():
        if not isinstance(node, exp.Func) or _allowed(node):
            continue
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        start, end = _span(node, query)
        raise SqlNotSupportedError(
            f"The function {name.lower()}() is not allowed here: instapd's SQL runs plain "
            "scalar, aggregate and window functions (count, sum, avg, lower, date_trunc, "
            "coalesce, row_number, ...) over instapd's tables, and no table functions. "
            "Rewrite the query without it.",
            query=query,
            start=start,
            end=end,
        )


def _allowed(node: exp.Func) -> bool:
    if isinstance(node, exp.Anonymous):
        return isinstance(node.this, str) and node.this.lower() in _ANONYMOUS
    return type(node).__name__ in _TYPED


def _span(node: exp.Func, query: str) -> tuple[int | None, int | None]:
    """Where the function's name is written (the first call of that name)."""
    names = [node.name] if isinstance(node, exp.Anonymous) else list(node.sql_names())
    for name in names:
        found = re.search(rf"\b{re.escape(name)}\s*\(", query, re.IGNORECASE)
        if found:
            return found.start(), found.start() + len(name) - 1
    return None, None
