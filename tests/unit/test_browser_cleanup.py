"""The browser tests' server teardown ends a server that ignores SIGTERM, its process group,
and the processes it started in sessions of their own (as Jupyter starts kernels)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.browser.frontends import alive, poll, stop_group

STUBBORN = """
import signal, subprocess, sys, threading
signal.signal(signal.SIGTERM, signal.SIG_IGN)
KERNEL = ("import signal, threading; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
          "threading.Event().wait()")
child = subprocess.Popen([sys.executable, "-c", KERNEL], start_new_session=True)
open(sys.argv[1], "w").write(str(child.pid))
threading.Event().wait()
"""


def test_a_server_that_ignores_sigterm_is_stopped_with_what_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "kernel.pid"
    server = subprocess.Popen([sys.executable, "-c", STUBBORN, str(pids)], start_new_session=True)
    try:
        assert poll(lambda: pids.exists() and pids.read_text() != "", 60)
        kernel = int(pids.read_text())
        assert alive(kernel)
        stop_group(server, grace=2)  # SIGTERM is ignored: SIGKILL after the grace
        assert server.returncode is not None
        assert not alive(kernel), "the kernel outlived the server"
    finally:  # whatever the teardown left, so a failure here leaves nothing either
        if server.poll() is None:
            os.killpg(server.pid, 9)
            server.wait()
        if pids.exists() and pids.read_text() and alive(int(pids.read_text())):
            os.kill(int(pids.read_text()), 9)
