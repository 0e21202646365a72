"""A cache hit against reading the same Parquet file with pandas, and against the API.

Prints the median time of each over several runs and the ratios. Goal: a cache hit within 1.3x
of ``pandas.read_parquet`` of the same file.

    python bench/cache_hit.py [--latency 0.05] [--runs 30] [--table Comments]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

import pandas as pd

import instapd
from instapd.cache import QueryCache
from instapd.sandbox import Faults, Sandbox


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--table", default="Comments")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as cache_dir,
        Sandbox(faults=Faults(latency=args.latency)) as sandbox,
    ):
        account = sandbox.account_ids[0]
        connection = instapd.connect(
            graph_url=sandbox.url, access_token=sandbox.token, CacheLocation=cache_dir
        )
        before = sandbox.requests_served
        start = time.perf_counter()
        frame = connection.read(args.table, account=account)
        uncached = time.perf_counter() - start
        requests = sandbox.requests_served - before
        path = QueryCache(cache_dir).entries()["path"].iloc[0]

        def hit() -> object:
            return connection.read(args.table, account=account)

        hit_time = median_seconds(hit, args.runs)
        parquet_time = median_seconds(lambda: pd.read_parquet(path), args.runs)
        assert sandbox.requests_served - before == requests, "hits made requests"

    print(
        f"{args.table}: {len(frame)} rows, {args.latency * 1000:.0f} ms latency, "
        f"median of {args.runs} runs\n"
    )
    print(f"{'uncached read (API)':<28}{uncached * 1000:>10.1f} ms  ({requests} requests)")
    print(f"{'cache hit (read_instagram)':<28}{hit_time * 1000:>10.1f} ms")
    print(f"{'pandas.read_parquet':<28}{parquet_time * 1000:>10.1f} ms")
    print(f"\ncache hit / read_parquet: {hit_time / parquet_time:.2f}x (goal <= 1.3x)")
    print(f"uncached / cache hit:     {uncached / hit_time:.0f}x")


if __name__ == "__main__":
    main()
