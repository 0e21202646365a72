"""``python -m instapd login`` where the browser cannot reach the machine (a JupyterHub terminal,
an SSH session): the link is printed at once and the landed address is read from standard input.
Run as a user runs it, in a subprocess against its own embedded sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import instapd
from instapd.auth.where import HOSTS

from ..browser_double import click_through

MARKERS = {"JupyterHub": {"JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api"},
           "SSH": {"SSH_CONNECTION": "10.0.0.2 50022 10.0.0.1 22"}}  # fmt: skip


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    markers = {m for host in HOSTS for m in host.markers}
    env = {k: v for k, v in os.environ.items() if k not in markers and not k.startswith("INSTAPD_")}
    env.update(
        INSTAPD_OAUTH_SETTINGS=str(tmp_path / "token.json"),
        INSTAPD_CACHE_DIR=str(tmp_path / "cache"),
        DISPLAY=":0",  # a display, so only the marker says the machine is remote
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return {k: v for k, v in env.items() if v}


def _login(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "instapd", "login", "--sandbox", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_environment(tmp_path, **env),
    )  # fmt: skip


def _printed_link(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    """Read what instapd prints until the login link; the link and the lines so far."""
    assert process.stdout is not None
    lines: list[str] = []
    while True:
        line = process.stdout.readline()
        if not line:
            process.wait(timeout=30)
            pytest.fail(f"no link was printed: {lines} {process.stderr and process.stderr.read()}")
        lines.append(line)
        if line.strip().startswith("http"):
            return line.strip(), lines


def _finish(process: subprocess.Popen[str], stdin: str = "") -> tuple[str, str]:
    """Write ``stdin`` and close it; everything printed after the link, and stderr."""
    assert process.stdin
    assert process.stdout
    assert process.stderr
    process.stdin.write(stdin)
    process.stdin.close()
    out = process.stdout.read()  # the same buffer the link was read from: nothing is lost
    process.wait(timeout=60)
    return out, process.stderr.read()


def _end(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=30)


@pytest.mark.parametrize("host", MARKERS)
def test_the_cli_pastes_on_a_remote_machine(tmp_path: Path, host: str) -> None:
    process = _login(tmp_path, **MARKERS[host])
    try:
        url, before = _printed_link(process)
        landed = click_through(url, land=False)  # the person logs in; the page does not load
        out, err = _finish(process, landed + "\n")
    finally:
        _end(process)
    assert process.returncode == 0, err
    assert before[0].strip() == next(h.why for h in HOSTS if h.name == host)
    assert "paste the address" in out
    assert "Logged in as Sam Sandbox" in out
    stored = json.loads((tmp_path / "token.json").read_text())
    assert stored["user_id"]
    token = stored.get("access_token", "missing")
    assert token not in out + err, "the token is never printed"
    assert landed not in out + err, "nor the code"


def test_desktop_forces_the_listener_and_a_browser_that_fails_is_not_fatal(
    tmp_path: Path,
) -> None:
    process = _login(
        tmp_path,
        "--desktop",
        BROWSER="false",  # a browser command that fails
        DISPLAY="",  # and no other browser Python knows to try
        INSTAPD_CALLBACK_URL="http://localhost:0/",
        **MARKERS["SSH"],
    )
    try:
        url, before = _printed_link(process)
        click_through(url)  # Allow, and the browser comes back to the listener
        out, err = _finish(process)
    finally:
        _end(process)
    assert process.returncode == 0, err
    assert "This runs on" not in "".join(before) + out
    assert "No browser could be opened here: open the link above yourself." in out
    assert "Logged in as Sam Sandbox" in out
    assert (tmp_path / "token.json").exists()


def test_stdin_closed_before_a_paste_is_one_clear_error(tmp_path: Path) -> None:
    process = _login(tmp_path, "--web")
    out, err = _finish(process)
    assert process.returncode == 1  # a login that did not finish, not a usage error
    assert "https://" in out or "http://" in out, "the link was printed first"
    assert err.startswith("error: Standard input closed before an address was pasted")
    assert not (tmp_path / "token.json").exists()


def test_web_and_desktop_together_is_a_usage_error() -> None:
    with pytest.raises(instapd.UsageError, match="not both"):
        instapd.login(connection=instapd.connect(), web=True, desktop=True)
