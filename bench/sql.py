"""instapd.sql against the same work done in pandas by hand: a JOIN of Media, MediaInsights and
Comments over a sandbox account with 1,000 media at 50 ms injected latency.

SQL reads each table once through read_instagram, with the columns (and metrics) the query uses,
then DuckDB joins and groups over Arrow. By hand: the same three read_instagram calls, then
merge and groupby. Target: SQL within 1.2x of the hand-written pandas, with the same requests.
Prints the median of ``--runs`` alternating rounds after ``--warmup`` untimed ones (the sandbox
caches what it renders, as a steady-state server would).

    python bench/sql.py [--media 1000] [--latency 0.05] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable

import pandas as pd
from _server import sandbox_process  # type: ignore[import-not-found]

import instapd
from instapd.sandbox import Sandbox

QUERY = """
SELECT m.id, m.media_type, m.timestamp, i.reach, i.saved,
       count(c.id) AS comments, sum(c.like_count) AS comment_likes
FROM Media m
JOIN MediaInsights i ON i.media_id = m.id
LEFT JOIN Comments c ON c.media_id = m.id
GROUP BY m.id, m.media_type, m.timestamp, i.reach, i.saved
ORDER BY comments DESC, m.id
"""


def by_hand(connection: instapd.Connection) -> pd.DataFrame:
    media = connection.read("Media", columns=["id", "media_type", "timestamp"])
    insights = connection.read(
        "MediaInsights", columns=["media_id", "reach", "saved"], metrics=["reach", "saved"]
    )
    comments = connection.read("Comments", columns=["media_id", "id", "like_count"])
    joined = media.merge(insights, left_on="id", right_on="media_id").merge(
        comments, left_on="id", right_on="media_id", how="left", suffixes=("", "_comment")
    )
    grouped = joined.groupby(
        ["id", "media_type", "timestamp", "reach", "saved"], as_index=False, dropna=False
    ).agg(comments=("id_comment", "count"), comment_likes=("like_count", "sum"))
    return grouped.sort_values(["comments", "id"], ascending=[False, True], ignore_index=True)


def with_sql(connection: instapd.Connection) -> pd.DataFrame:
    return instapd.sql(QUERY, connection=connection)


def measure(
    runs: dict[str, Callable[[instapd.Connection], pd.DataFrame]],
    connection: instapd.Connection,
    repeat: int,
    warmup: int,
) -> dict[str, tuple[float, int, int]]:
    """Median seconds, requests and rows of each; runs alternate, so drift in the machine's
    load falls on both alike."""
    for _ in range(warmup):
        for run in runs.values():
            run(connection)
    timings: dict[str, list[float]] = {name: [] for name in runs}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            before, start = connection.client.requests_made, time.perf_counter()
            rows = len(run(connection))
            timings[name].append(time.perf_counter() - start)
            counts[name] = (connection.client.requests_made - before, rows)
    return {name: (statistics.median(timings[name]), *counts[name]) for name in runs}


def main() -> None:
    os.environ["INSTAPD_PROGRESS"] = "0"  # bars would garble the table
    warnings.simplefilter("ignore")  # the sandbox's pre-conversion media warn, as designed
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--media", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    account = Sandbox(media_per_account=(args.media,)).dataset.account_ids[0]
    with sandbox_process(media=args.media, latency=args.latency) as server:
        connection = instapd.connect(graph_url=server.url, access_token=server.token,
                                     business_account_id=account, cache=False)  # fmt: skip
        print(f"{args.media} media, {args.latency * 1000:.0f} ms latency per request\n")
        print(f"{'how':<16}{'requests':>9}{'rows':>7}{'seconds':>9}")
        results = measure({"pandas by hand": by_hand, "instapd.sql": with_sql}, connection,
                          args.runs, args.warmup)  # fmt: skip
        for name, (seconds, requests, rows) in results.items():
            print(f"{name:<16}{requests:>9}{rows:>7}{seconds:>9.2f}")
        ratio = results["instapd.sql"][0] / results["pandas by hand"][0]
        print(f"\nratio sql / pandas: {ratio:.2f} (target: at most 1.2)")
        same = with_sql(connection).reset_index(drop=True)
        hand = by_hand(connection)
        print("same ids in the same order:", same["id"].tolist() == hand["id"].tolist())


if __name__ == "__main__":
    main()
