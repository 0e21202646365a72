"""Requests and seconds for 1,000 replies at 50 ms injected latency.

instapd checks the rows (one read of the token's permissions, the comments and their media in
batch reads), then sends the replies 50 to a batch request. The comparison is one POST per reply,
as the CData connector's INSERT into Replies does (sent here with the same four threads instapd
uses). A third run loses the answer to 5% of the write operations after applying them: instapd
looks before sending again, and the benchmark checks that exactly 1,000 replies exist.

The sandbox runs in this process (writes change its data, so one process must hold it).

    python bench/replies.py [--replies 1000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

import instapd
from instapd.graph import GraphClient
from instapd.sandbox import Faults, Sandbox


def targets(sandbox: Sandbox, count: int) -> list[str]:
    """``count`` visible top-level comments by fans on the first account's media."""
    data = sandbox.dataset
    found = [
        c
        for m in data[sandbox.account_ids[0]].edges["media"]
        for c in data[m].edges.get("comments", [])
        if not data[c].values["hidden"] and data[c].values["username"].startswith("fan_")
    ]
    if len(found) < count:
        raise SystemExit(f"the sandbox has {len(found)} fan comments; ask for fewer replies")
    return found[:count]


def replies_by(sandbox: Sandbox, text: str) -> int:
    data = sandbox.dataset
    return sum(1 for n in data.nodes.values() if n.values.get("text") == text)


def run_instapd(sandbox: Sandbox, ids: list[str], text: str) -> tuple[int, float, pd.DataFrame]:
    with instapd.connect(graph_url=sandbox.url, access_token=sandbox.token, cache=False) as conn:
        conn.accounts()  # linked accounts are read once per connection: not part of the write
        served = sandbox.requests_served
        start = time.perf_counter()
        out = conn.insert("Replies", pd.DataFrame({"comment_id": ids, "text": text}))
        return sandbox.requests_served - served, time.perf_counter() - start, out


def run_one_by_one(sandbox: Sandbox, ids: list[str], text: str) -> tuple[int, float]:
    client = GraphClient(base_url=sandbox.url, version="v25.0", access_token=sandbox.token)
    served = sandbox.requests_served
    start = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: client.write("POST", f"{i}/replies", {"message": text}), ids))
    elapsed = time.perf_counter() - start
    client.close()
    return sandbox.requests_served - served, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    with Sandbox(media_per_account=(400,), faults=Faults(latency=args.latency)) as sandbox:
        ids = targets(sandbox, args.replies)
        print(f"{args.replies} replies at {args.latency * 1000:.0f} ms latency")

        requests, seconds, out = run_instapd(sandbox, ids, "Thanks from instapd")
        assert (out["status"] == "ok").all(), out["error"].dropna().head()
        print(f"  instapd, batched:      {requests:5d} requests  {seconds:6.2f} s")

        requests, seconds = run_one_by_one(sandbox, ids, "Thanks, one by one")
        print(f"  one POST per reply:    {requests:5d} requests  {seconds:6.2f} s")

        lost = sorted(random.Random(1).sample(range(1, args.replies + 1), args.replies // 20))
        sandbox.faults = Faults(
            latency=args.latency, write_op_schedule=dict.fromkeys(lost, "apply-then-null")
        )
        text = "Thanks, answers lost"
        requests, seconds, out = run_instapd(sandbox, ids, text)
        created = replies_by(sandbox, text)
        print(
            f"  instapd, 5% answers lost after applying: {requests} requests  {seconds:.2f} s; "
            f"{created} replies exist for {args.replies} rows "
            f"({'exactly once' if created == args.replies else 'MISMATCH'})"
        )


if __name__ == "__main__":
    main()
