"""One panel, both ways at once: the paste box always, the listener where the browser can reach
the kernel, the first to complete wins; and what the panel says on remote hosts."""

from __future__ import annotations

import html
import queue
import sys
import threading
import types
from pathlib import Path

import pytest

import instapd
from instapd.auth.where import HOSTS, Host
from instapd.sandbox import Sandbox
from instapd.widgets import LoginPanel

from ..browser_double import click_through
from .test_login_panel import _connection


def _no_markers(monkeypatch: pytest.MonkeyPatch) -> None:
    for host in HOSTS:
        for marker in host.markers:
            monkeypatch.delenv(marker, raising=False)


def _click_log_in(panel: LoginPanel) -> threading.Thread | None:
    """Click Log in; the listener's thread it started, if any."""
    before = set(threading.enumerate())
    panel.login_button.click()
    started = [t for t in threading.enumerate() if t not in before and t.name == "instapd-login"]
    return started[0] if started else None


def test_a_paste_wins_over_the_listener_and_cancels_it(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    opened: queue.Queue[str] = queue.Queue()
    connection = _connection(clean_sandbox, tmp_path, browser=opened.put)  # opens, never lands
    panel = LoginPanel(connection, mode="desktop")
    thread = _click_log_in(panel)
    assert thread is not None
    url = opened.get(timeout=30)  # the listener is up and the link is shown
    assert "paste its address below" in panel.status.value
    panel.pasted.value = click_through(url, land=False)  # the page did not load: paste it
    panel.submit_button.click()
    assert panel.wait(1).user_name == "Sam Sandbox"
    thread.join(timeout=30)
    assert not thread.is_alive(), "the listener's wait ended when the paste won"
    assert "Logged in as" in panel.status.value, "the cancelled listener reported no failure"
    assert panel.error is None


def test_the_listener_wins_and_a_late_paste_changes_nothing(
    clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    landed: queue.Queue[str] = queue.Queue()
    connection = _connection(
        clean_sandbox, tmp_path, browser=lambda url: landed.put(click_through(url))
    )
    panel = LoginPanel(connection, mode="desktop")
    panel.login_button.click()
    credentials = panel.wait(30)
    panel.pasted.value = landed.get(timeout=1)
    panel.submit_button.click()
    assert connection.credentials is credentials
    assert "Logged in as" in panel.status.value


def test_a_mistyped_paste_keeps_the_listener(clean_sandbox: Sandbox, tmp_path: Path) -> None:
    opened: queue.Queue[str] = queue.Queue()
    connection = _connection(clean_sandbox, tmp_path, browser=opened.put)
    panel = LoginPanel(connection, mode="desktop")
    thread = _click_log_in(panel)
    assert thread is not None
    url = opened.get(timeout=30)
    panel.pasted.value = "http://localhost:1/?state=nope"
    panel.submit_button.click()
    assert "Login failed" in panel.status.value
    click_through(url)  # then the browser does come back to the listener
    thread.join(timeout=30)
    assert panel.wait(1).user_name == "Sam Sandbox"


@pytest.mark.parametrize("host", HOSTS, ids=[h.name for h in HOSTS])
def test_on_a_remote_host_the_panel_offers_paste_and_says_why(
    monkeypatch: pytest.MonkeyPatch, clean_sandbox: Sandbox, tmp_path: Path, host: Host
) -> None:
    _no_markers(monkeypatch)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv(host.markers[0], "1")
    panel = LoginPanel(_connection(clean_sandbox, tmp_path))
    assert not panel.listen
    assert panel.why.layout.display is None
    assert html.escape(host.why) in panel.why.value
    assert _click_log_in(panel) is None, "no listener"
    assert "href" in panel.link.value, "the link at once"
    panel.pasted.value = click_through(_href(panel), land=False)
    panel.submit_button.click()
    assert panel.wait(1).user_name == "Sam Sandbox"
    assert panel.why.layout.display == "none"


def test_where_the_browser_can_reach_the_kernel_it_listens(
    monkeypatch: pytest.MonkeyPatch, clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    _no_markers(monkeypatch)
    monkeypatch.setenv("DISPLAY", ":0")
    panel = LoginPanel(_connection(clean_sandbox, tmp_path))
    assert panel.listen
    assert panel.why.layout.display == "none"
    assert panel.paste_row.layout.display is None
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    headless = LoginPanel(_connection(clean_sandbox, tmp_path))
    assert not headless.listen
    assert "no display" in headless.why.value


def test_web_mode_and_a_remote_callback_never_listen(
    monkeypatch: pytest.MonkeyPatch, clean_sandbox: Sandbox, tmp_path: Path
) -> None:
    _no_markers(monkeypatch)
    monkeypatch.setenv("DISPLAY", ":0")
    web = LoginPanel(_connection(clean_sandbox, tmp_path), mode="web")
    assert not web.listen
    assert "web mode" in web.why.value
    hosted = instapd.connect(CallbackURL="https://app.example/callback")
    assert not LoginPanel(hosted).listen
    with pytest.raises(instapd.UsageError, match="mode must be one of"):
        LoginPanel(hosted, mode="browser")


def test_on_colab_the_custom_widget_manager_is_turned_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[str] = []
    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = lambda: calls.append("on")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    LoginPanel(instapd.connect(OAuthSettingsLocation=str(tmp_path / "t.json")), mode="web")
    assert calls == ["on"]


def _href(panel: LoginPanel) -> str:
    from .test_login_panel import _href as href

    return href(panel)
