"""Comments and Replies of an account with 500 media and 20,000 comments, under Meta's answer-size
limit and without it, at 50 ms injected latency.

Under the limit the sandbox refuses answers of more than ``--max-objects`` objects (nested ones
included) with code 1, as Meta does; the readers then ask for smaller pages and nested limits and
grow back after successes. For each table and setting it prints the requests made and the
median seconds of ``--runs`` reads after one untimed read (the sandbox caches what it renders, as
a steady-state server would). The frames of both settings must be equal.
Requests include the refused ones (each costs a round trip).

    python bench/size_limit.py [--media 500] [--comments 20000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from datetime import UTC, datetime

import pandas as pd
from _server import sandbox_process  # type: ignore[import-not-found]

import instapd
from instapd.sandbox.size import DEFAULT_MAX_OBJECTS

TABLES = ("Comments", "Replies")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _read(url: str, token: str, table: str) -> tuple[pd.DataFrame, int, float]:
    connection = instapd.connect(graph_url=url, access_token=token, Cache=False)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = connection.read(table, account="all", progress=False)
    seconds = time.perf_counter() - start
    return frame, connection.client.requests_made, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--media", type=int, default=500)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--max-objects", type=int, default=DEFAULT_MAX_OBJECTS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{args.media} media, {args.comments:,} comments, {args.latency * 1000:.0f} ms latency; "
        f"limit {args.max_objects:,} objects per answer\n"
    )
    print(f"{'table':<10}{'limit':<10}{'rows':>8}{'requests':>10}{'seconds':>9}")
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    for label, limit in (("none", None), ("limited", args.max_objects)):
        with sandbox_process(
            media=args.media,
            latency=args.latency,
            comments_per_account=(args.comments,),
            max_objects=limit,
            now=NOW,  # both servers hold the same data
        ) as server:
            for table in TABLES:
                _read(server.url, server.token, table)  # warm-up: the sandbox renders once
                runs = [_read(server.url, server.token, table) for _ in range(args.runs)]
                frame, requests, _ = runs[0]
                seconds = statistics.median(r[2] for r in runs)
                frames[(table, label)] = frame
                print(f"{table:<10}{label:<10}{len(frame):>8}{requests:>10}{seconds:>9.2f}")
    for table in TABLES:
        pd.testing.assert_frame_equal(frames[(table, "none")], frames[(table, "limited")])
    print("\nframes equal under the limit and without it")


if __name__ == "__main__":
    main()
