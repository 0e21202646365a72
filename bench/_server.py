"""The sandbox for benchmarks: several processes serving one port, like a server farm.

One sandbox process would queue every request behind one interpreter lock, which a real API
does not; so the benchmark serves from a few, each with the same seeded data and token, all
accepting on one listening socket.

The data is built once, in a process of its own (not the benchmark's, whose memory is measured),
which then forks the other servers: they share what it built, and the benchmark starts when it
is built (a pipe says so), not after a guessed sleep, nor while three copies are still built.
"""

from __future__ import annotations

import gc
import os
import secrets
import signal
import socket
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from instapd.sandbox import Faults, Sandbox

READY = b"ready"


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    pids: tuple[int, ...] = ()  # the serving processes

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the serving processes have used so far (Linux)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids:
            with open(f"/proc/{pid}/stat") as stat:  # fields after the command's parenthesis
                fields = stat.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks


@contextmanager
def sandbox_process(
    *, media: int, latency: float, processes: int = 3, **options: Any
) -> Iterator[Server]:
    """Serve on one port from ``processes`` processes; ``options`` go to :class:`Sandbox`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    token = "SBX" + secrets.token_hex(24)
    ready, told = os.pipe()
    first = os.fork()
    if first == 0:  # builds the data, forks the other servers, serves until terminated
        os.close(ready)
        _serve(told, listener.fileno(), processes, media=media, latency=latency, token=token,
               **options)  # fmt: skip
    os.close(told)
    try:
        with os.fdopen(ready, "rb") as pipe:
            said = pipe.read().split()
        if not said or said[0] != READY:
            raise RuntimeError("The benchmark's sandbox did not start (see its traceback).")
        pids = (first, *(int(pid) for pid in said[1:]))
        yield Server(f"http://127.0.0.1:{port}", token, pids)
    finally:
        os.kill(first, signal.SIGTERM)
        os.waitpid(first, 0)
        listener.close()


def _serve(told: int, fd: int, processes: int, *, media: int, latency: float, token: str,
           **options: Any) -> None:  # fmt: skip
    """The first server: build the sandbox, fork the others from it, say so, and serve; on
    SIGTERM stop the others, then itself. Never returns."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the forks inherit it
    others: list[int] = []
    try:
        sandbox = Sandbox(media_per_account=(media,), faults=Faults(latency=latency), token=token,
                          listen_fd=fd, **options)  # fmt: skip
        gc.freeze()  # the data lives as long as the servers: no collection walks it again
        for _ in range(processes - 1):
            pid = os.fork()
            if pid == 0:  # another server of the same data
                os.close(told)
                others = []
                break
            others.append(pid)
        sandbox.start()
        if others or processes == 1:  # the first: say so, with the others' ids
            os.write(told, b" ".join([READY, *(str(pid).encode() for pid in others)]))
            os.close(told)
        signal.sigwait({signal.SIGTERM})
        for pid in others:
            os.kill(pid, signal.SIGTERM)
        for pid in others:
            os.waitpid(pid, 0)
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(0)
