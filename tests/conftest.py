"""Shared fixtures: one sandbox server per session, fresh connections per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.throttle import Throttle
from instapd.graph.wsgi import WSGITransport
from instapd.sandbox import Faults, Sandbox

#: Retries and throttling without real waiting, so fault tests stay fast.
FAST_RETRY = RetryPolicy(attempts=5, backoff_initial=0.001, backoff_max=0.01)


def fast_throttle() -> Throttle:
    return Throttle(max_delay=0.01)


def in_process(box: Sandbox) -> requests.Session:
    """A session that reaches ``box`` by calling its WSGI app, with no socket in between."""
    session = requests.Session()
    session.mount(box.url, WSGITransport(box.app))
    return session


def sandbox_connection(box: Sandbox, **properties: Any) -> instapd.Connection:
    """A connection to ``box`` that retries and paces without real waits, plus ``properties``.

    It reaches the sandbox in-process (:func:`in_process`): a socket adds nothing to what these
    tests check. Tests of the callback listener, the browser and third-party clients keep
    loopback HTTP.
    """
    properties.setdefault("session", in_process(box))
    return instapd.connect(
        graph_url=box.url,
        access_token=box.token,
        retry=FAST_RETRY,
        throttle=fast_throttle(),
        **properties,
    )


def sandbox_call(
    box: Sandbox, method: str, path: str, token: str | None = None, **params: Any
) -> tuple[int, Any]:
    """``method path`` on the sandbox's Graph API: the status and the JSON body (None if empty)."""
    response = requests.request(
        method,
        f"{box.url}/v25.0/{path}",
        params=params,
        headers={"Authorization": f"Bearer {token or box.token}"},
        timeout=10,
    )
    return response.status_code, response.json() if response.content else None


def texts_on(box: Sandbox, media_id: str) -> list[str]:
    """The texts of the comments on ``media_id``, in the sandbox's order."""
    return [box.dataset[c].values["text"] for c in box.dataset[media_id].edges.get("comments", [])]


def writes_logged(box: Sandbox) -> list[str]:
    """Single writes and write operations in batches (not the batch requests themselves)."""
    return [
        line
        for line in box.app.log
        if line.startswith(("DELETE", "BATCH POST", "BATCH DELETE"))
        or (line.startswith("POST /v") and not line.split("?")[0].endswith("/"))
    ]


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
    with Sandbox() as server:
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
