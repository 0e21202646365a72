"""The sandbox for benchmarks: several processes serving one port, like a server farm.

One sandbox process would queue every request behind one interpreter lock, which a real API
does not; so the benchmark forks a few, each with the same seeded data and token, all accepting
on one listening socket.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from instapd.sandbox import Faults, Sandbox


@dataclass(frozen=True)
class Server:
    url: str
    token: str


@contextmanager
def sandbox_process(
    *, media: int, latency: float, processes: int = 3, **options: Any
) -> Iterator[Server]:
    """Serve on one port from ``processes`` forks; ``options`` go to :class:`Sandbox`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    token = "SBX" + secrets.token_hex(24)
    children = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:  # a worker: serve until terminated
            sandbox = Sandbox(media_per_account=(media,), faults=Faults(latency=latency),
                              token=token, listen_fd=listener.fileno(), **options)  # fmt: skip
            sandbox.start()
            signal.sigwait({signal.SIGTERM})
            os._exit(0)
        children.append(pid)
    try:
        time.sleep(1.5)  # the workers build their data
        yield Server(f"http://127.0.0.1:{port}", token)
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        for pid in children:
            os.waitpid(pid, 0)
        listener.close()
