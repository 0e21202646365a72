"""Loopback HTTP against the in-process transport: the same reads of the sandbox, timed.

Each round reads ``Media`` (every page, uncached) and makes ``--gets`` single GETs, once over
a loopback socket and once through :class:`instapd.graph.wsgi.WSGITransport` mounted on the
session, alternating so both share the machine's state of the moment. Prints the medians.

    python bench/transport.py [--rounds 7] [--gets 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import requests

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.wsgi import WSGITransport
from instapd.sandbox import Sandbox


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--gets", type=int, default=200)
    args = parser.parse_args()
    with Sandbox(accounts=1, media_per_account=(120,)) as box:
        account = box.account_ids[0]

        def run(session: requests.Session | None) -> float:
            properties = {"session": session} if session is not None else {}
            with instapd.connect(
                graph_url=box.url,
                access_token=box.token,
                retry=RetryPolicy(attempts=1),
                cache=False,
                **properties,
            ) as connection:

                def work() -> None:
                    connection.read("Media", account=account)
                    for _ in range(args.gets):
                        connection.client.get(account, {"fields": "id,username"})

                return _timed(work)

        loopback, in_process = [], []
        for _ in range(args.rounds):
            loopback.append(run(None))
            session = requests.Session()
            session.mount(box.url, WSGITransport(box.app))
            in_process.append(run(session))
    load = os.getloadavg()[0]
    print(f"load average (1 min): {load:.2f}")
    print(f"loopback HTTP:  median {statistics.median(loopback) * 1000:7.1f} ms per round")
    print(f"in-process:     median {statistics.median(in_process) * 1000:7.1f} ms per round")


if __name__ == "__main__":
    main()
