"""Binder: a fresh environment from binder/requirements.txt runs every notebook, with nothing
but binder/start's environment (no credentials)."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_binder_start_sets_the_sandbox_and_execs() -> None:
    start = ROOT / "binder" / "start"
    assert os.access(start, os.X_OK)
    result = subprocess.run(
        [str(start), "sh", "-c", 'echo "$INSTAPD_SANDBOX ${INSTAPD_ACCESS_TOKEN:-none}"'],
        env={"PATH": "/usr/bin:/bin", "INSTAPD_ACCESS_TOKEN": "real-token"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["1", "none"]


def test_every_notebook_runs_in_a_fresh_binder_environment(tmp_path: Path) -> None:
    environment = tmp_path / "binder-env"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*install, "-r", "binder/requirements.txt"], cwd=ROOT, check=True)
    subprocess.run([*install, "pytest", "nbval"], cwd=ROOT, check=True)
    home = tmp_path / "home"
    home.mkdir()
    clean = {"PATH": f"{environment / 'bin'}:/usr/bin:/bin", "HOME": str(home)}
    result = subprocess.run(
        [str(ROOT / "binder" / "start"), str(python), "-m", "pytest", "-q", "-p",
         "no:cacheprovider", "-o", "addopts=", "--nbval-lax", "notebooks"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" not in result.stdout  # every cell of every notebook is an item
    assert " passed" in result.stdout
