"""Deliveries per second the webhook receiver keeps, across a kill, and the latency from a
delivery to its row in the history.

1. Throughput: ``python -m instapd webhooks serve`` in its own process; ``--clients`` threads
   POST ``--deliveries`` signed deliveries (one comment each, as the sandbox sends them). Half
   way, the receiver is killed (SIGKILL) and started again; what it had not acknowledged is
   redelivered, as Meta does. Prints acknowledged deliveries per second, kept per second (until
   every row is in the history) and whether each delivery is in ``WebhookEvents`` exactly once.
   Goal: >= 500 kept per second, nothing lost.
2. Latency: the sandbox delivers fan comments to an in-process receiver one at a time; prints
   the median and 95th percentile from the sandbox's change to the row in a history file, and
   to ``instapd.history`` returning it.

    python bench/webhooks.py [--deliveries 6000] [--clients 8] [--latency-samples 50]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import instapd
from instapd.sandbox import Sandbox
from instapd.webhooks import WebhookReceiver, signed_delivery, start_server
from instapd.webhooks.subscriptions import subscribe

SECRET = "bench-secret"
TOKEN = "bench-token"
BASE = 18_000_000


def delivery(number: int) -> tuple[bytes, dict[str, str]]:
    """One comment's delivery, signed, as Meta POSTs it."""
    value = {
        "id": str(BASE + number),
        "text": f"comment {number}",
        "from": {"id": "2105", "username": "a_fan"},
        "media": {"id": "17900000000000053", "media_product_type": "FEED"},
    }
    return signed_delivery([("comments", value)], SECRET, time=1_755_779_280 + number)


def start(folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "INSTAPD_APP_SECRET": SECRET, "INSTAPD_SNAPSHOT_DIR": str(folder)}
    command = [
        sys.executable,
        "-m",
        "instapd",
        "webhooks",
        "serve",
        "--port",
        "0",
        "--verify-token",
        TOKEN,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    found = re.search(r"http://127\.0\.0\.1:\d+/", process.stdout.readline())
    assert found, "the receiver did not start"
    return process, found.group(0)


def post_all(url: str, numbers: list[int], clients: int, acknowledged: set[int]) -> None:
    """POST each number's delivery once from ``clients`` threads, each on one kept-alive
    connection (http.client: the client's own cost stays small); adds those answered 200."""
    lock = threading.Lock()
    work = iter(numbers)
    where = urlsplit(url)

    def client() -> None:
        connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=10)
        try:
            while True:
                with lock:
                    number = next(work, None)
                if number is None:
                    return
                data, headers = delivery(number)
                try:
                    connection.request("POST", "/", data, headers)
                    answer = connection.getresponse()
                    answer.read()
                except (OSError, http.client.HTTPException):
                    return  # the receiver is gone: the rest is redelivered later
                if answer.status == 200:
                    with lock:
                        acknowledged.add(number)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def all_kept(folder: Path) -> None:
    """Wait until the spool's checkpoint reaches its end: every acknowledged row is written."""
    spool, checkpoint = folder / "_webhooks" / "spool.log", folder / "_webhooks" / "checkpoint"
    while True:
        size = spool.stat().st_size
        text = checkpoint.read_text() if checkpoint.exists() else "0"
        if text.strip() and int(text) >= size:
            return
        time.sleep(0.005)


def throughput(total: int, clients: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="instapd-bench-webhooks-"))
    process, url = start(folder)
    started = time.perf_counter()
    first: set[int] = set()

    def kill_half_way() -> None:
        while len(first) < total // 2:
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)  # mid-stream: nothing gets flushed

    killer = threading.Thread(target=kill_half_way, daemon=True)
    killer.start()
    post_all(url, list(range(total)), clients, first)
    process.wait()
    first_seconds = time.perf_counter() - started
    restart = time.perf_counter()
    process, url = start(folder)
    restart_seconds = time.perf_counter() - restart
    missing = [n for n in range(total) if n not in first]
    again: set[int] = set()
    post_all(url, missing, clients, again)
    acked_seconds = time.perf_counter() - started
    all_kept(folder)
    kept_seconds = time.perf_counter() - started
    process.send_signal(signal.SIGTERM)
    process.wait(60)
    frame = instapd.history("WebhookEvents", location=folder)
    numbers = sorted(int(i) - BASE for i in frame["value_id"])
    print(
        f"throughput: {total} deliveries from {clients} clients; killed after {len(first)} "
        f"acknowledged ({first_seconds:.2f} s), {len(missing)} redelivered after the restart"
    )
    print(f"  before the kill: {len(first) / first_seconds:,.0f} deliveries/s acknowledged")
    print(f"  restart: {restart_seconds:.2f} s until the new process listened")
    print(f"  acknowledged: {total / acked_seconds:,.0f} deliveries/s (wall time incl. restart)")
    print(f"  kept in history: {total / kept_seconds:,.0f} deliveries/s (goal >= 500)")
    print(
        f"  rows: {len(frame)}; every delivery exactly once: {numbers == list(range(total))}; "
        f"second run acknowledged {len(again)} of {len(missing)}"
    )


def latency(samples: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="instapd-bench-latency-"))
    with Sandbox(accounts=1, media_per_account=(4,), app_secret=SECRET) as box:
        connection = instapd.connect(
            graph_url=box.url,
            access_token=box.token,
            client_id=box.oauth_app.app_id,
            client_secret=SECRET,
        )
        receiver = WebhookReceiver(app_secret=SECRET, verify_token=TOKEN, location=folder)
        server = start_server(receiver)
        subscribe(
            fields=["comments"],
            callback_url=server.url,
            verify_token=TOKEN,
            connection=connection,
        )
        media = box.dataset[box.account_ids[0]].edges["media"][0]
        to_file, to_history = [], []
        for number in range(samples):
            began = time.perf_counter()
            box.comment(media, f"sample {number}")
            box.webhooks.wait_idle(30)
            receiver.wait_kept(30)
            to_file.append(time.perf_counter() - began)
            frame = instapd.history("WebhookEvents", location=folder)
            assert f"sample {number}" in set(frame["value_text"])
            to_history.append(time.perf_counter() - began)
        server.stop()

    def show(name: str, values: list[float]) -> None:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"  {name}: median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
        )

    print(f"latency over {samples} sandbox deliveries (one at a time):")
    show("change -> row in a history file", to_file)
    show(f"change -> instapd.history() returns it (up to {samples} files)", to_history)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--latency-samples", type=int, default=50)
    args = parser.parse_args()
    throughput(args.deliveries, args.clients)
    latency(args.latency_samples)


if __name__ == "__main__":
    main()
