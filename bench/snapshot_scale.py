"""Snapshots of 10, 100 and 1,000 sandbox accounts at 50 ms injected latency: seconds, requests,
CPU, peak memory, and the round-trip bound.

Each size runs in a fresh process (so its peak RSS is its own) against a sandbox of that many
accounts served by a few processes on one port (see ``_server.py``). The snapshot writes each
table of each group of 50 accounts as it is read, so memory should stay flat as accounts grow.
The client paces each account from its own usage header and every request from the app's, so
the paced-waits column stays 0 while the sandbox reports everything under 75%. The CPU columns
say where the time went: the client's process, and the sandbox's (Meta's servers, here).

A snapshot batches each table across accounts (50 a batch request), so its round trips are
bounded by its *levels*: the requests that must follow one another (a page, then the next page,
then the insights of its media). The levels of each table are the requests a snapshot of one
account makes for it; the bound is levels x latency, with the tables one after another (sum) or
all side by side (longest). The bound assumes every batch request of a level in flight at once
and no time for the rows themselves (rendering, sending, decoding, typing): ``--floor`` runs each
size again at 0 ms and prints the difference, the time the round trips cost, against the bound.

``--runs N`` runs each size N times (each in a fresh process) and reports the median run, with
the range of the seconds: one run on a 2-core machine moves by a tenth of a second or more.

    python bench/snapshot_scale.py [--sizes 10,100,1000] [--latency 0.05] [--workers 16] [--floor]
                                   [--runs 1]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

from _server import sandbox_process  # type: ignore[import-not-found]

import instapd
from instapd.snapshots import DEFAULT_TABLES  # imported here: imports are not the rows' memory
from instapd.snapshots.snapshot import REQUESTS_PER_WORKER


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(accounts: int, latency: float, workers: int, media: int) -> dict[str, float]:
    warnings.simplefilter("ignore")
    with (
        sandbox_process(media=media, latency=latency, accounts=accounts) as server,
        instapd.connect(graph_url=server.url, access_token=server.token, cache=False) as conn,
    ):
        conn.identity()
        before = peak_mib()
        start, sent = time.perf_counter(), conn.client.requests_made
        client_cpu, server_cpu = time.process_time(), server.cpu_seconds()
        with tempfile.TemporaryDirectory() as out:
            summary = instapd.snapshot(connection=conn, location=out, workers=workers)
        seconds = time.perf_counter() - start
        return {
            "client_cpu": round(time.process_time() - client_cpu, 2),
            "sandbox_cpu": round(server.cpu_seconds() - server_cpu, 2),
            "accounts": accounts,
            "seconds": round(seconds, 2),
            "requests": conn.client.requests_made - sent,
            "rows": int(summary["rows"].sum()),
            "errors": int((summary["status"] == "error").sum()),
            "peak_mib": round(peak_mib(), 1),
            "baseline_mib": round(before, 1),
            "throttle_wait_s": round(conn.client.throttle.waited, 1),
        }


def levels(media: int) -> dict[str, int]:
    """The requests one account's snapshot makes per table: each follows the one before."""
    from instapd.sandbox import Sandbox

    warnings.simplefilter("ignore")
    found = {}
    with (
        Sandbox(accounts=1, media_per_account=(media,)) as box,
        instapd.connect(graph_url=box.url, access_token=box.token, cache=False) as conn,
    ):
        conn.identity()
        for table in DEFAULT_TABLES:
            with tempfile.TemporaryDirectory() as out:
                before = conn.client.requests_made
                instapd.snapshot([table], connection=conn, location=out, accounts="all")
                found[table] = conn.client.requests_made - before
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--media", type=int, default=6, help="posts per account")
    parser.add_argument(
        "--floor", action="store_true", help="also run each size at 0 ms (time not in round trips)"
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per size; the median is shown")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.latency, args.workers, args.media)))
        return
    print(f"latency {args.latency * 1000:.0f} ms, {args.workers} workers, {args.media} posts each")
    per_table = levels(args.media)
    total, longest = sum(per_table.values()), max(per_table.values())
    print("levels per table:", ", ".join(f"{t} {n}" for t, n in per_table.items()))
    ms = f"{args.latency * 1000:.0f} ms"
    print(f"round-trip bound: {total} levels x {ms} = {total * args.latency:.2f} s (tables in "
          f"turn); {longest} x {ms} = {longest * args.latency:.2f} s (side by side)")  # fmt: skip
    print("| accounts | seconds (range) | requests | rows | client CPU (s) | sandbox CPU (s) "
          "| peak RSS (MiB) | growth over start (MiB) | paced waits (s) | x bound (in turn) "
          "| x bound (side by side) |")  # fmt: skip
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    floors, medians = [], []
    for size in (int(s) for s in args.sizes.split(",")):
        runs = [_run(size, args.latency, args) for _ in range(args.runs)]
        result = _median(runs)
        if args.floor:
            at_zero = _median([_run(size, 0.0, args) for _ in range(args.runs)])
            floors.append((size, result["seconds"], at_zero["seconds"]))
        medians.append((size, result["seconds"]))
        growth = result["peak_mib"] - result["baseline_mib"]
        spread = "" if args.runs == 1 else f" ({_range(runs)})"
        print(f"| {size:,} | {result['seconds']}{spread} | {result['requests']:,} | "
              f"{result['rows']:,} | "
              f"{result['client_cpu']} | {result['sandbox_cpu']} | {result['peak_mib']} | "
              f"{growth:.1f} | {result['throttle_wait_s']} | "
              f"{_times(result['seconds'], total * args.latency)} | "
              f"{_times(result['seconds'], longest * args.latency)} |", flush=True)  # fmt: skip
        if result["errors"]:
            print(f"  ({result['errors']} tables failed)")
        in_flight = args.workers * REQUESTS_PER_WORKER
        if result["requests"] > in_flight * total:  # more requests than the bound can hold
            least = result["requests"] / in_flight * args.latency
            print(f"  ({result['requests']:,} requests, {in_flight} at a time: at least "
                  f"{least:.2f} s of round trips, beyond the levels' bound)")  # fmt: skip
    for (smaller, before), (size, seconds) in itertools.pairwise(medians):
        print(f"{size:,} accounts take {_times(seconds, before)} x the time of {smaller:,}")
    for size, seconds, floor in floors:
        trips = seconds - floor
        print(f"{size:,} accounts: {seconds} s at {args.latency * 1000:.0f} ms, {floor} s at "
              f"0 ms: {trips:.1f} s of round trips = {trips / (total * args.latency):.1f} x "
              "the bound (in turn)")  # fmt: skip


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run of the median seconds (its other figures are that run's own)."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    return ordered[(len(ordered) - 1) // 2]


def _range(runs: list[dict[str, float]]) -> str:
    seconds = [run["seconds"] for run in runs]
    return f"{min(seconds)}-{max(seconds)}, sd {statistics.pstdev(seconds):.2f}"


def _times(seconds: float, bound: float) -> str:
    """``seconds`` as a multiple of ``bound`` (none at 0 ms latency)."""
    return f"{seconds / bound:.1f}" if bound else "-"


def _run(size: int, latency: float, args: argparse.Namespace) -> dict[str, float]:
    """One size in a fresh process (its own peak memory)."""
    command = [sys.executable, __file__, "--one", str(size), "--latency", str(latency),
               "--workers", str(args.workers), "--media", str(args.media)]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.splitlines()[-1]))


if __name__ == "__main__":
    main()
