"""The one send path: no secret rides along when the network fails, and a dead login endpoint
raises a typed error that names the fix."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from urllib3.util.retry import Retry

import instapd
from instapd.auth import flows
from instapd.auth.oauth import OAuthApp
from instapd.config import FACEBOOK_LOGIN, INSTAGRAM_LOGIN
from instapd.graph import GraphClient, RetryPolicy
from instapd.graph.send import appsecret_proof
from instapd.graph.wsgi import WSGITransport
from instapd.sandbox import Faults, Sandbox
from tests.support import in_process, sandbox_connection

from ..browser_double import click_through

TOKEN = "EAAtoken-that-must-never-show-0123456789"
SECRET = "app-secret-that-must-never-show"
PROOF = appsecret_proof(SECRET, TOKEN)


@pytest.fixture
def dead_url() -> str:
    """A loopback address nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and every exception it carries as ``__cause__`` or ``__context__``."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__]
    yield from seen


def shown(error: BaseException) -> str:
    """All the text the chain of ``error`` would show in a traceback or a log."""
    return "\n".join(f"{e!r} {e} {e.args!r}" for e in chain(error))


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:6]}...) leaked"


def test_a_failing_request_shows_no_secret_in_logs_or_exception_chain(
    dead_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # urllib3 retrying by itself too (a session the user passed in): its retry log names the URL
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=Retry(total=2)))
    client = GraphClient(
        base_url=dead_url,
        version="v25.0",
        access_token=TOKEN,
        app_secret=SECRET,
        session=session,
        retry=RetryPolicy(attempts=2, backoff_initial=0.001, backoff_max=0.001),
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(instapd.TransientError) as raised:
        client.get("me", {"fields": "id"})
    assert isinstance(raised.value, instapd.NetworkError)
    assert any("Retry" in r.getMessage() for r in caplog.records), "urllib3 retried and logged"
    assert any("appsecret_proof=***" in r.getMessage() for r in caplog.records)
    assert_no_secret(caplog.text, TOKEN, PROOF, SECRET)
    assert_no_secret(shown(raised.value), TOKEN, PROOF, SECRET)


def test_a_failing_write_shows_no_secret_and_is_sent_once(dead_url: str) -> None:
    client = GraphClient(base_url=dead_url, version="v25.0", access_token=TOKEN, app_secret=SECRET)
    with pytest.raises(instapd.NetworkError) as raised:
        client.write("POST", "17841400000000001/media", {"caption": "hi"})
    assert_no_secret(shown(raised.value), TOKEN, PROOF, SECRET)
    assert client.requests_made == 1, "a write is sent once"


@pytest.mark.parametrize("scheme", [FACEBOOK_LOGIN, INSTAGRAM_LOGIN])
def test_a_dead_token_endpoint_raises_a_typed_error_naming_the_fix(
    dead_url: str, scheme: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = OAuthApp(
        "1234567890",
        SECRET,
        dead_url,
        "v25.0",
        f"{dead_url}/dialog/oauth",
        scheme=scheme,
        access_token_url=f"{dead_url}/oauth/access_token",
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(instapd.LoginUnreachableError) as raised:
        flows.exchange_code(app, "a-one-time-code-0123456789", "http://127.0.0.1:8765/callback")
    error = raised.value
    assert isinstance(error, instapd.LoginError)
    assert error.setting == "OAuthAccessTokenURL"
    assert "OAuthAccessTokenURL" in str(error)
    assert "log in again" in str(error)
    assert_no_secret(shown(error) + caplog.text, SECRET, "a-one-time-code-0123456789")


def test_a_dead_graph_api_while_refreshing_is_typed_too(dead_url: str) -> None:
    from instapd.auth.credentials import Credentials

    app = OAuthApp("1234567890", SECRET, dead_url, "v25.0", f"{dead_url}/dialog/oauth")
    with pytest.raises(instapd.LoginUnreachableError, match="GraphURL") as raised:
        flows.refresh(app, Credentials(access_token=TOKEN))
    assert_no_secret(shown(raised.value), TOKEN, PROOF, SECRET)


# -- the in-process transport answers as the socket does --------------------------------------


def _outcome(client: GraphClient, path: str) -> object:
    try:
        return client.get(path, {"fields": "id,username,media_count"})
    except instapd.GraphError as error:
        return (type(error).__name__, error.code)


@pytest.mark.parametrize("fault", [None, "drop", "truncate", "error-2", "throttle-4"])
def test_the_in_process_transport_answers_as_loopback_http_does(
    clean_sandbox: Sandbox, account: str, fault: str | None
) -> None:
    def client(session: requests.Session | None) -> GraphClient:
        return GraphClient(
            base_url=clean_sandbox.url,
            version="v25.0",
            access_token=clean_sandbox.token,
            session=session,
            retry=RetryPolicy(attempts=1),
        )

    seen = []
    for session in (None, in_process(clean_sandbox)):
        soon = {clean_sandbox.requests_served + 1: fault} if fault else {}
        clean_sandbox.faults = Faults(schedule=soon)
        seen.append(_outcome(client(session), account))
    over_socket, in_process_ = seen
    assert over_socket == in_process_
    if fault is None:
        assert isinstance(over_socket, dict)
        assert over_socket["id"] == account
    else:
        assert clean_sandbox.faults.fired == 1, "the fault fired in-process too"


def test_an_upload_streams_a_file_through_the_in_process_transport(
    clean_sandbox: Sandbox, account: str, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4096))
    connection = sandbox_connection(clean_sandbox)
    container = connection.client.write(
        "POST", f"{account}/media", {"media_type": "REELS", "upload_type": "resumable"}
    )
    answer = connection.client.upload(str(container["uri"]), video)
    assert answer.get("success") is True


@pytest.mark.parametrize("through_session", [True, False])
def test_every_login_step_goes_through_the_connections_session(
    clean_sandbox: Sandbox, dead_url: str, through_session: bool
) -> None:
    # the token endpoint and the Graph API are reachable only through the mounted transport
    session = requests.Session()
    session.mount(dead_url, WSGITransport(clean_sandbox.app))
    app = OAuthApp(
        clean_sandbox.oauth_app.app_id,
        clean_sandbox.oauth_app.app_secret,
        dead_url,
        "v25.0",
        clean_sandbox.dialog_url,  # the browser's step: over loopback, as a browser goes
        session=session if through_session else None,
    )
    callback = "https://hub.example.org/cb"
    url, state = flows.authorization_url(app, callback)
    code = flows.parse_callback(click_through(url, land=False), state)
    if not through_session:
        with pytest.raises(instapd.LoginUnreachableError):
            flows.exchange_code(app, code, callback)
        return
    credentials = flows.exchange_code(app, code, callback)
    assert credentials.user_id == clean_sandbox.dataset.user_id
    assert credentials.scopes
    assert flows.refresh(app, credentials).access_token
