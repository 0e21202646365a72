"""What tests share besides fixtures: connections to a sandbox that never really wait, raw Graph
calls, and readings of the sandbox's state. Import from here (``from tests.support import ...``);
the fixtures are in ``conftest.py``."""

from __future__ import annotations

from typing import Any

import requests

import instapd
from instapd.graph import RetryPolicy
from instapd.graph.throttle import Throttle
from instapd.graph.wsgi import WSGITransport
from instapd.sandbox import Sandbox

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
