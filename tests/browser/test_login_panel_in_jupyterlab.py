"""The login panel in a real browser: JupyterLab, Debian's Chromium, the sandbox's login page.

Widget tests prove the logic; this proves a person can log in: the panel renders, a click
reaches the kernel, the login page opens in a new tab, Allow brings the user back, and the panel
shows who is logged in. Screenshots of each step go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
STEP_TIMEOUT = 60_000  # ms

pytestmark = pytest.mark.browser


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Chromium is not installed, so the browser test cannot run. On Debian: "
            "apt-get install -y chromium (what .ci/run does)."
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on loopback with a fresh config, serving a copy of the login notebook."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / "login.ipynb", root / "login.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "INSTAPD_CACHE_DIR": str(root / "cache"),
    }
    log = (root / "lab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.25)
        else:
            pytest.fail(f"JupyterLab did not start; see {root / 'lab.log'}")
        yield f"{base}/lab/tree/login.ipynb?token={token}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class Steps:
    """Each step waits for what a person would see, and keeps a screenshot of it."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str, page: object | None = None) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.count:02d}-{name}.png"
        (page or self.page).screenshot(path=str(path))  # type: ignore[attr-defined]
        return path

    def see(self, locator: object, name: str, page: object | None = None) -> None:
        try:
            locator.wait_for(timeout=STEP_TIMEOUT)  # type: ignore[attr-defined]
        except Exception as exc:
            path = self.shot(f"missing-{name}", page)
            pytest.fail(f"{name} did not appear ({type(exc).__name__}); screenshot: {path}")
        self.shot(name, page)


def _select_cell(page: object, index: int) -> None:
    """Select cell ``index`` in command mode, so Shift+Enter runs cells and not a widget."""
    page.locator(".jp-Cell").nth(index).locator(".jp-InputPrompt").click()  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]


def _run_cells(page: object, count: int) -> None:
    """Shift+Enter ``count`` times, waiting for the kernel after each cell."""
    for _ in range(count):
        page.keyboard.press("Shift+Enter")  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => ![...document.querySelectorAll('.jp-InputPrompt')]"
            ".some(p => p.textContent.includes('*'))",
            timeout=STEP_TIMEOUT,
        )


def _open_login_page(steps: Steps, context: Any, panel: Any, mode: str) -> Any:
    """From a logged-out panel: Log in, then its link, to the login page in a new tab."""
    steps.see(panel.get_by_text("Logged out"), f"{mode}-panel")
    panel.get_by_role("button", name="Log in").click()
    link = panel.get_by_text("Open the Facebook login page")
    steps.see(link, f"{mode}-link")
    with context.expect_page() as opened:
        link.click()
    dialog = opened.value
    steps.see(dialog.locator("#allow"), f"{mode}-login-page", dialog)
    return dialog


def test_log_in_through_the_panel_in_chromium(lab: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        steps = Steps(page)
        page.goto(lab)
        steps.see(page.locator(".jp-Notebook .jp-Cell").first, "notebook-open")
        page.wait_for_function(
            "() => document.body.textContent.includes('Idle')", timeout=STEP_TIMEOUT
        )
        _select_cell(page, 0)
        _run_cells(page, 4)  # title, setup, heading, the desktop panel

        # desktop mode: Log in, the link, the sandbox's login page in a new tab, Allow
        panel = page.locator(".widget-vbox").first
        dialog = _open_login_page(steps, context, panel, "desktop")
        dialog.locator("#allow").click()
        steps.see(dialog.get_by_text("You may close this tab"), "callback-page", dialog)
        dialog.close()
        steps.see(panel.get_by_text("Logged in as"), "panel-logged-in")
        assert "Sam Sandbox" in panel.inner_text()
        options = panel.locator("select option").all_inner_texts()
        assert [o.split()[0] for o in options] == ["@brewlab.coffee", "@atelier.nord"]
        panel.locator("select").select_option(label=options[0])
        panel.screenshot(path=str(ROOT / "docs" / "login-panel.png"))

        # later cells: the helper sees the login and skips, then Media is read and rendered
        _select_cell(page, 4)  # back from the widgets to the notebook
        _run_cells(page, 5)  # note, helper, wait, note, the Media table
        table = page.locator(".jp-RenderedHTMLCommon table").last
        steps.see(table, "media-table")
        assert "brewlab.coffee" in table.inner_text()

        # web mode: the same, pasting the address the browser landed on
        _run_cells(page, 2)  # heading, the web panel
        web_panel = page.locator(".widget-vbox").nth(1)
        web_dialog = _open_login_page(steps, context, web_panel, "web")
        # the address the browser lands on belongs to the web app; nothing listens there here
        web_dialog.route("https://localhost:33333/**", lambda route: route.fulfill(
            status=404, content_type="text/html", body="<h1>Nothing here</h1>"))  # fmt: skip
        web_dialog.locator("#allow").click()
        web_dialog.wait_for_url("**code=**", timeout=STEP_TIMEOUT)
        landed = web_dialog.url
        assert "code=" in landed
        web_dialog.close()
        web_panel.locator("input[type=text]").fill(landed)
        web_panel.get_by_role("button", name="Submit").click()
        steps.see(web_panel.get_by_text("Logged in as"), "web-logged-in")
        assert web_panel.locator("input[type=text]").input_value() == ""
        browser.close()
