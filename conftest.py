"""The notebooks' test run: nbval starts each notebook's kernel from this process's environment,
so it is set here, as ``tools/execute-notebooks`` sets it (``tests/notebook_env.py``): fresh
folders for each notebook. A conftest at the root, so that ``pytest notebooks/NAME.ipynb`` alone
gets it too."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.notebook_env import use_notebook_environment

_SCRATCH = pytest.StashKey[Path]()
_started: set[Path] = set()


def pytest_configure(config: pytest.Config) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="instapd-notebooks-"))
    config.stash[_SCRATCH] = scratch
    config.add_cleanup(lambda: shutil.rmtree(scratch, ignore_errors=True))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's first cell, where nbval starts its kernel."""
    if item.path.suffix == ".ipynb" and item.path not in _started:
        _started.add(item.path)
        scratch = item.config.stash[_SCRATCH] / f"{len(_started)}-{item.path.stem}"
        use_notebook_environment(scratch)
