"""The identities memo keeps every process's entries when several write it at once."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import time
from pathlib import Path

from instapd.auth.store import IdentityMemo

WRITER = """
import sys
import time
from pathlib import Path
from instapd.auth.store import IdentityMemo
memo = IdentityMemo(Path(sys.argv[1]))
Path(sys.argv[3]).touch()  # ready
while not Path(sys.argv[4]).exists():  # all start together
    time.sleep(0.005)
for n in range(25):
    memo.put(f"token-{sys.argv[2]}-{n}", str(10**15 + int(sys.argv[2]) * 100 + n))
"""


def test_processes_writing_at_once_lose_no_entries(tmp_path: Path) -> None:
    path = tmp_path / "config" / "identities.json"
    go = tmp_path / "go"
    writers = []
    for w in range(6):
        ready = tmp_path / f"ready-{w}"
        args = [sys.executable, "-c", WRITER, str(path), str(w), str(ready), str(go)]
        writers.append((subprocess.Popen(args), ready))
    try:
        while not all(ready.exists() for _, ready in writers):
            for process, _ in writers:
                assert process.poll() is None, "a writer ended before the start"
            time.sleep(0.005)  # polling for the files, not a wait for an outcome
        go.touch()
        for process, _ in writers:
            assert process.wait(timeout=120) == 0
    finally:
        for process, _ in writers:
            if process.poll() is None:
                process.kill()
                process.wait()
    memo = IdentityMemo(path)
    for w in range(6):
        for n in range(25):
            assert memo.get(f"token-{w}-{n}") == str(10**15 + w * 100 + n), (w, n)
    assert len(json.loads(path.read_text())) == 150
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
