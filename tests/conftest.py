"""Shared fixtures: one sandbox server per session, fresh connections per test, and sandboxes of a
test module's own for tests that change data (helpers are in ``tests/support.py``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import instapd
from instapd.sandbox import Faults, Sandbox

from .support import sandbox_connection


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's credentials, settings or cache; each gets its own cache."""
    for name in list(os.environ):
        if name.startswith("INSTAPD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("INSTAPD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("INSTAPD_SNAPSHOT_DIR", str(tmp_path / "snapshots"))
    monkeypatch.setenv("INSTAPD_CONFIG_DIR", str(tmp_path / "config"))
    instapd.set_default_connection(None)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """Frozen: a test reading one thing twice (an API call, then instapd's read) sees the same
    values, where the newest days' insights would still come in between the two."""
    with Sandbox(frozen=True) as server:
        yield server


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The session sandbox with no faults, and counters starting at zero."""
    sandbox.faults = Faults()
    sandbox.app.reset_counters()
    yield sandbox
    sandbox.faults = Faults()


@pytest.fixture
def connection(clean_sandbox: Sandbox) -> Iterator[instapd.Connection]:
    with sandbox_connection(clean_sandbox) as conn:
        conn.identity()  # the token's one /me request (its user binds the cache), made up front
        clean_sandbox.app.reset_counters()
        yield conn


@pytest.fixture
def account(clean_sandbox: Sandbox) -> str:
    return clean_sandbox.account_ids[0]


@pytest.fixture(scope="module")
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes of the test module's own (``make_sandbox(seed=3)``), stopped after it."""
    with contextlib.ExitStack() as stack:

        def make(**options: Any) -> Sandbox:
            return stack.enter_context(Sandbox(**options))

        yield make


@pytest.fixture(scope="module")
def box(make_sandbox: Callable[..., Sandbox], request: pytest.FixtureRequest) -> Sandbox:
    """The test module's own sandbox, for tests that change its data: made with the module's
    ``BOX`` options (``BOX = {"seed": 11}``), shared by the module's tests."""
    return make_sandbox(**getattr(request.module, "BOX", {}))
