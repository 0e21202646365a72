"""The identities memo keeps every process's entries when several write it at once."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from instapd.auth.store import IdentityMemo

WRITER = """
import sys
from pathlib import Path
from instapd.auth.store import IdentityMemo
memo = IdentityMemo(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.read(1)  # all start together, when the test says go
for n in range(25):
    memo.put(f"token-{sys.argv[2]}-{n}", str(10**15 + int(sys.argv[2]) * 100 + n))
"""


def test_processes_writing_at_once_lose_no_entries(tmp_path: Path) -> None:
    path = tmp_path / "config" / "identities.json"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(w)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(6)
    ]
    try:
        for process in writers:  # each has its memo open: a line, or end of file if it died
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n"
        for process in writers:
            assert process.stdin is not None
            process.stdin.write("g")
            process.stdin.close()
        for process in writers:
            assert process.wait(timeout=120) == 0
    finally:
        for process in writers:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
    memo = IdentityMemo(path)
    for w in range(6):
        for n in range(25):
            assert memo.get(f"token-{w}-{n}") == str(10**15 + w * 100 + n), (w, n)
    assert len(json.loads(path.read_text())) == 150
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
