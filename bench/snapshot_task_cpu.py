"""The client's CPU per snapshot task: a (table, group of up to 50 accounts) read and written
as one file, over the benchmarks' sandbox (``_server.py``) at 0 ms latency.

A snapshot's cost on the client grows with its tasks (tables x groups of 50 accounts), each
with a fixed cost beyond its rows: the read's setup, the batch request, the frame, the Arrow
table, the checks of the folders, the Parquet file. This snapshots ``--tables`` of
``--accounts`` accounts ``--runs`` times into fresh folders over one connection and prints the
client's CPU (``time.process_time``: every thread of this process; the sandbox runs in others)
per snapshot and per task: median and lowest, as the machine's load moves them.

    python bench/snapshot_task_cpu.py [--accounts 50] [--runs 30]
                                      [--tables InstagramBusinessProfile] [--profile OUT.pstat]

``--tables all`` takes the snapshot's default tables; ``--profile`` saves a yappi profile (CPU
clock, every thread) of the runs, for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
import warnings

from _server import sandbox_process  # type: ignore[import-not-found]

import instapd
from instapd.snapshots import DEFAULT_TABLES
from instapd.snapshots.snapshot import BATCH_ACCOUNTS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--tables", default="InstagramBusinessProfile")
    parser.add_argument("--profile", help="save a yappi profile (pstat) here")
    args = parser.parse_args()
    tables = list(DEFAULT_TABLES) if args.tables == "all" else args.tables.split(",")
    tasks = len(tables) * math.ceil(args.accounts / BATCH_ACCOUNTS)
    warnings.simplefilter("ignore")
    with (
        tempfile.TemporaryDirectory() as base,
        sandbox_process(media=6, latency=0.0, accounts=args.accounts) as server,
        instapd.connect(
            graph_url=server.url,
            access_token=server.token,
            cache=False,
            cache_location=os.path.join(base, "cache"),
        ) as conn,
    ):
        conn.identity()
        instapd.snapshot(tables, connection=conn, location=os.path.join(base, "warm-up"))
        if args.profile:
            import yappi  # type: ignore[import-untyped]

            yappi.set_clock_type("cpu")
            yappi.start()
        seconds = []
        for run in range(args.runs):
            start = time.process_time()
            instapd.snapshot(tables, connection=conn, location=os.path.join(base, str(run)))
            seconds.append(time.process_time() - start)
        if args.profile:
            yappi.stop()
            yappi.get_func_stats().save(args.profile, type="pstat")
    median, least = statistics.median(seconds), min(seconds)
    print(f"{len(tables)} tables x {args.accounts} accounts = {tasks} tasks, {args.runs} runs; "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"client CPU per snapshot: median {median * 1000:.1f} ms, lowest {least * 1000:.1f} ms")
    print(f"client CPU per task:     median {median / tasks * 1000:.1f} ms, "
          f"lowest {least / tasks * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
