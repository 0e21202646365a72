"""``python -m instapd webhooks serve`` killed (SIGKILL) in the middle of a stream of deliveries,
then started again: every delivery it acknowledged is in the history, each exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

import instapd
from instapd.webhooks import signed_delivery

SECRET = "restart-secret"
TOKEN = "restart-token"
TOTAL = 400


def delivery(number: int) -> tuple[bytes, dict[str, str]]:
    value = {
        "id": str(18_000_000 + number),
        "text": f"comment {number}",
        "from": {"id": "2105", "username": "a_fan"},
        "media": {"id": "17900000000000053", "media_product_type": "FEED"},
    }
    return signed_delivery([("comments", value)], SECRET, time=1_755_779_280 + number)


def start(folder: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "INSTAPD_APP_SECRET": SECRET, "INSTAPD_SNAPSHOT_DIR": str(folder)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "instapd",
            "webhooks",
            "serve",
            "--port",
            "0",
            "--verify-token",
            TOKEN,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # printed once the server listens
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, line + (process.stderr.read() if process.stderr else "")
    return process, found.group(0)


def deliver(url: str, numbers: list[int], acknowledged: set[int], stop: threading.Event) -> None:
    """Post each delivery once, as Meta does until it hears back; note the ones answered 200."""
    with requests.Session() as session:
        for number in numbers:
            if stop.is_set():
                return
            data, headers = delivery(number)
            try:
                answer = session.post(url, data=data, headers=headers, timeout=10)
            except requests.ConnectionError:
                return  # the receiver is gone: the rest is redelivered later
            if answer.status_code == 200:
                acknowledged.add(number)


def test_a_killed_receiver_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    folder = tmp_path / "history"
    process, url = start(folder)
    acknowledged: set[int] = set()
    stop = threading.Event()
    sender = threading.Thread(target=deliver, args=(url, list(range(TOTAL)), acknowledged, stop))
    sender.start()
    while len(acknowledged) < TOTAL // 3 and sender.is_alive():
        sender.join(0.01)  # wait for a third of the stream to be acknowledged
    process.send_signal(signal.SIGKILL)  # mid-stream: no chance to flush anything
    process.wait(30)
    stop.set()
    sender.join(30)
    assert TOTAL // 3 <= len(acknowledged) < TOTAL, "the kill came in the middle of the stream"

    process, url = start(folder)
    try:
        # Meta redelivers what was not acknowledged, and (at times) some of what was
        again = [n for n in range(TOTAL) if n not in acknowledged] + sorted(acknowledged)[:50]
        redelivered: set[int] = set()
        deliver(url, again, redelivered, threading.Event())
        assert redelivered == set(again)
    finally:
        process.send_signal(signal.SIGTERM)  # keeps what is queued, then exits
        assert process.wait(60) == 0
    kept = instapd.history("WebhookEvents", location=folder)
    numbers = sorted(int(i) - 18_000_000 for i in kept["value_id"])
    assert numbers == list(range(TOTAL)), "every delivery kept, each exactly once"
    comments = instapd.history("Comments", location=folder)
    assert len(comments) == TOTAL
    assert comments["id"].is_unique
