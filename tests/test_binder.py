"""Binder: a fresh environment from binder/requirements.txt runs every notebook, with nothing
but binder/start's environment (no credentials; ``--noconftest``: none of the suite's settings
for its own notebook run, see conftest.py)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tomllib
import venv
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest

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


def test_binder_pins_the_python_ci_uses() -> None:
    # repo2docker reads binder/runtime.txt; without it Binder builds with its own default Python
    assert (ROOT / "binder" / "runtime.txt").read_text().split() == ["python-3.11"]
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()


def _expected_items() -> dict[str, int]:
    """nbval (lax) makes one test item of each code cell that is not tagged nbval-skip."""
    expected = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        expected[path.name] = sum(
            "nbval-skip" not in c.get("metadata", {}).get("tags", []) for c in code
        )
    return expected


def _outcomes(report: Path) -> dict[str, Counter[str]]:
    """Per notebook, how many of its items passed, failed, errored or were skipped."""
    outcomes: dict[str, Counter[str]] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        notebook = Path(case.get("file") or case.get("classname") or "").name
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes.setdefault(notebook, Counter())[kinds[0] if kinds else "passed"] += 1
    return outcomes


def _nbval_options() -> list[str]:
    """The suite's own nbval options from pyproject's addopts (the kernel start-up timeout a
    loaded machine needs), which the binder run's ``-o addopts=`` would otherwise drop."""
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    return [o for o in shlex.split(pytest_options["ini_options"]["addopts"]) if "--nbval" in o]


def test_the_binder_run_gets_the_suites_nbval_options() -> None:
    options = _nbval_options()
    assert "--nbval-lax" in options
    assert any(o.startswith("--nbval-kernel-startup-timeout=") for o in options)


def test_the_expected_items_come_from_the_notebooks() -> None:
    expected = _expected_items()
    assert {"caching.ipynb", "insights.ipynb", "login.ipynb", "quickstart.ipynb"} <= set(expected)
    assert all(count >= 4 for count in expected.values())


# A fresh venv's installs plus every notebook: minutes on a loaded 2-core machine, so the
# suite-wide 300 s limit is too tight here; the subprocess keeps its own 900 s bound.
@pytest.mark.timeout(1200)
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
    report = tmp_path / "nbval.xml"
    result = subprocess.run(
        [str(ROOT / "binder" / "start"), str(python), "-m", "pytest", "-q", "-p",
         "no:cacheprovider", "--noconftest", "-o", "addopts=", "-o", "junit_family=xunit1",
         f"--junitxml={report}", *_nbval_options(), "notebooks"],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    expected = _expected_items()
    assert _outcomes(report) == {name: Counter(passed=n) for name, n in expected.items()}
    summary = result.stdout.strip().splitlines()[-1]  # "32 passed, 1 warning in 14.78s"
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", summary.split(" in ")[0])}
    counts = {word: n for word, n in counts.items() if not word.startswith("warning")}
    assert counts == {"passed": sum(expected.values())}, summary
