"""Shared by the Notebook 7 and Voila browser tests: Debian's Chromium, a Jupyter server on
loopback serving a small notebook of login panels, and steps that wait for what a person sees.

Nothing here sleeps for a fixed time: every wait is for a condition (the server answering, the
kernel idle, a cell's execution count, an element visible), bounded by ``STEP_TIMEOUT``.
Screenshots go to test-artifacts/browser/<frontend>/ only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
STEP_TIMEOUT = 90_000  # ms: generous, for a loaded 2-core machine
TRACEBACK = re.compile(r"Traceback|\b\w*(Error|Exception)\b")
SSH = "10.0.0.2 50022 10.0.0.1 22"

#: The notebook both tests open: a panel that listens (and offers paste), then a panel on a
#: kernel that looks remote (reached over SSH), which offers paste only and says why.
PANELS_NOTEBOOK = [
    """import os
import tempfile
from pathlib import Path

os.environ["INSTAPD_SANDBOX"] = "1"  # the sandbox plays Facebook
import instapd

settings = Path(tempfile.mkdtemp())
local = instapd.connect(OAuthSettingsLocation=str(settings / "local.json"),
                        CallbackURL="http://localhost:0/")
remote = instapd.connect(OAuthSettingsLocation=str(settings / "remote.json"))""",
    """instapd.login(connection=local, desktop=True)""",
    f"""os.environ["SSH_CONNECTION"] = "{SSH}"  # as on a server reached over SSH
instapd.login(connection=remote)""",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Chromium is not installed, so the browser test cannot run. On Debian: "
            "apt-get install -y chromium (what tools/setup-browser does)."
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def poll(condition: Callable[[], bool], seconds: float) -> bool:
    """True once ``condition()`` holds, False if it has not within ``seconds``."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while time.monotonic() < deadline:
        if condition():
            return True
        pause.wait(0.1)
    return condition()


def stop_group(process: subprocess.Popen[Any], grace: float = 30) -> None:
    """End ``process`` (started with ``start_new_session=True``), everything in its process
    group, and every process it started (kernels run in sessions of their own): SIGTERM, then
    SIGKILL for whatever is still running after ``grace`` seconds, and wait for all of them, so
    a failed test leaves no server or kernel behind."""
    family = descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
    if not poll(lambda: not any(map(alive, family)), grace):
        for pid in filter(alive, family):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        poll(lambda: not any(map(alive, family)), grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything the group still holds


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command's name (state, ppid, ...), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux's /proc; the browser tests run on Debian)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it has ended)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def write_notebook(cells: list[str], target: Path) -> None:
    """An unexecuted notebook of these code cells, as a person opens it."""
    notebook = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {},
             "outputs": [], "source": source}
            for i, source in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    target.write_text(json.dumps(notebook))


@dataclass
class Server:
    base: str
    token: str
    log: Path

    def url(self, path: str) -> str:
        return f"{self.base}/{path}?token={self.token}"

    def kernels(self) -> list[dict[str, Any]]:
        """The server's view of its kernels (execution_state, connections)."""
        answer = requests.get(f"{self.base}/api/kernels", params={"token": self.token}, timeout=5)
        if answer.status_code >= 500:  # a kernel still starting (last_activity not set yet)
            return []
        answer.raise_for_status()
        return list(answer.json())


@contextmanager
def jupyter(
    name: str, command: Callable[[int, str], list[str]], root: Path, ready: str
) -> Iterator[Server]:
    """Run ``python -m`` with ``command(port, token)``: a free loopback port, a fresh config
    in ``root``; wait until ``ready`` (a path on the server) answers."""
    port, token = free_port(), secrets.token_hex(16)
    env = {name: value for name, value in os.environ.items() if not name.startswith("INSTAPD_")}
    env |= {
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "INSTAPD_CACHE_DIR": str(root / "cache"),
    }
    notices = root / "settings" / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)  # no "get notified about news?" toast over the notebook
    (notices / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log_path = root / "server.log"
    log = log_path.open("w")
    argv = [sys.executable, "-m", *command(port, token)]
    server = subprocess.Popen(
        argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True
    )  # its own process group: see stop_group
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{base}/{ready}", params={"token": token}, timeout=2).ok
        except requests.ConnectionError:
            return server.poll() is not None  # exited: stop waiting, fail below

    try:
        if not poll(answers, STEP_TIMEOUT / 1000) or server.poll() is not None:
            pytest.fail(f"{name} did not start; see {log_path}")
        yield Server(base, token, log_path)
    finally:
        stop_group(server)
        log.close()


class Steps:
    """Each step waits for what a person would see, and keeps a screenshot of it."""

    def __init__(self, page: Any, server: Server, name: str) -> None:
        self.page, self.server = page, server
        self.count = 0
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)

    def shot(self, name: str, page: Any | None = None) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        (page or self.page).screenshot(path=str(path))
        return path

    def fail(self, what: str, page: Any | None = None, detail: str = "") -> None:
        path = self.shot("failed", page)
        pytest.fail(f"{what}{detail}; screenshot: {path}; the server's log: {self.server.log}")

    def see(self, locator: Any, name: str, page: Any | None = None) -> None:
        try:
            locator.wait_for(state="visible", timeout=STEP_TIMEOUT)
        except Exception as exc:
            self.fail(f"{name} did not appear ({type(exc).__name__})", page)
        self.shot(name, page)

    def until(self, script: str, what: str, arg: Any = None) -> None:
        """Wait until ``script`` (a JavaScript predicate of ``arg``) holds in the page."""
        try:
            self.page.wait_for_function(script, arg=arg, timeout=STEP_TIMEOUT)
        except Exception as exc:
            self.fail(f"{what} ({type(exc).__name__})")

    def kernel_idle(self, when: str) -> None:
        """The server has one kernel, connected to this page and idle."""

        def connected_and_idle() -> bool:
            kernels = self.server.kernels()
            return (
                len(kernels) == 1
                and kernels[0]["execution_state"] == "idle"
                and kernels[0]["connections"] >= 1
            )

        if not poll(connected_and_idle, STEP_TIMEOUT / 1000):
            self.fail(f"the kernel was not connected and idle {when}",
                      detail=f": {self.server.kernels()}")  # fmt: skip


def wait_for_accounts(steps: Any, panel: Any, count: int) -> list[str]:
    """The account picker's options, once it has ``count``: the panel lists the accounts with
    a request of its own, so they may arrive after "Logged in as" on a loaded machine."""
    from playwright.sync_api import expect

    options = panel.locator("select option")
    try:
        expect(options).to_have_count(count, timeout=STEP_TIMEOUT)
    except AssertionError as exc:
        steps.fail(f"the account picker did not show {count} accounts ({type(exc).__name__})")
    return list(options.all_inner_texts())


def login_panels(page: Any) -> Any:
    """The login panels on the page, in order (the boxes that hold a Log in button)."""
    return page.locator(".widget-vbox").filter(has=page.get_by_role("button", name="Log in"))


def open_login_page(steps: Steps, context: Any, panel: Any, name: str) -> Any:
    """From a logged-out panel: Log in, then its link, to the login page in a new tab."""
    steps.see(panel.get_by_text("Logged out"), f"{name}-panel")
    panel.get_by_role("button", name="Log in").click()
    link = panel.get_by_text("Open the Facebook login page")
    steps.see(link, f"{name}-link")
    with context.expect_page(timeout=STEP_TIMEOUT) as opened:
        link.click()
    dialog = opened.value
    steps.see(dialog.locator("#allow"), f"{name}-login-page", dialog)
    return dialog


def log_in_with_both_panels(steps: Steps, context: Any, panels: Any) -> None:
    """The listening panel: Allow brings the browser back to the kernel's listener. The remote
    panel: it says why it offers paste; after Allow, the address is pasted."""
    listening, remote = panels.nth(0), panels.nth(1)
    steps.see(listening.get_by_text("If the page after Allow doesn't load"), "paste-offered")
    dialog = open_login_page(steps, context, listening, "listening")
    dialog.locator("#allow").click()
    steps.see(dialog.get_by_text("You may close this tab"), "callback-page", dialog)
    dialog.close()
    steps.see(listening.get_by_text("Logged in as"), "listening-logged-in")
    assert "Sam Sandbox" in listening.inner_text()
    options = wait_for_accounts(steps, listening, 2)
    assert [o.split()[0] for o in options] == ["@brewlab.coffee", "@atelier.nord"]

    steps.see(remote.get_by_text("This runs on a machine reached over SSH"), "why-paste")
    dialog = open_login_page(steps, context, remote, "remote")
    # the browser lands on CallbackURL, on the user's machine, where nothing listens
    unreachable = "<h1>This site can't be reached</h1>"
    dialog.route("https://localhost:33333/**", lambda route: route.fulfill(
        status=404, content_type="text/html", body=unreachable))  # fmt: skip
    dialog.locator("#allow").click()
    try:
        dialog.wait_for_url(re.compile(r".*[?&]code="), timeout=STEP_TIMEOUT)
    except Exception as exc:
        steps.fail(f"Allow did not land on CallbackURL ({type(exc).__name__})", dialog)
    landed = dialog.url
    dialog.close()
    remote.locator("input[type=text]").fill(landed)  # taken at once: no Submit needed
    steps.see(remote.get_by_text("Logged in as"), "remote-logged-in")
    assert remote.locator("input[type=text]").input_value() == ""


def run_all(steps: Steps, count: int, cells: str = ".jp-CodeCell") -> None:
    """Run > Run All Cells once the kernel is idle; then wait for every execution count among
    ``cells`` (keep the last cell's output short: JupyterLab does not render cells scrolled out
    of view) and fail on a traceback."""
    page = steps.page
    steps.kernel_idle("before running")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    item = page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first
    steps.see(item, "run-menu")
    item.click()
    steps.until(
        "([count, cells]) => { const prompts = [...document.querySelectorAll("
        "`.jp-Notebook ${cells} .jp-InputPrompt`)].map(p => p.textContent.trim());"
        " return prompts.length === count"
        " && prompts.every((p, i) => p === `[${i + 1}]:`) }",
        f"the {count} cells did not all show their execution counts",
        [count, cells],
    )
    steps.kernel_idle("after running")
    stderr = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
    errors = [text for text in stderr.all_inner_texts() if TRACEBACK.search(text)]
    if errors:
        steps.fail("a cell raised", detail=":\n" + "\n".join(errors))
