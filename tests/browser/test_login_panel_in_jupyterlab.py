"""The login panel in a real browser: JupyterLab, Debian's Chromium, the sandbox's login page.

Widget tests prove the logic; this proves a person can log in: the panel renders, a click
reaches the kernel, the login page opens in a new tab, Allow brings the user back, and the panel
shows who is logged in. Screenshots of each step go to test-artifacts/browser/ (never to tracked
files); `tools/refresh-screenshots` copies the panel's picture to docs/ on purpose.

Every step waits for what a person would see before the next: the kernel connected and idle,
each code cell's execution count ``[n]:`` (run one at a time, in order), the widget rendered.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from .frontends import chromium, free_port, open_login_page, poll, stop_group, wait_for_accounts

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
#: The picture README shows; tools/refresh-screenshots copies it to docs/login-panel.png.
PANEL_PICTURE = ARTIFACTS / "login-panel.png"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
STEP_TIMEOUT = 90_000  # ms: generous, for a loaded 2-core machine; nothing waits this long alone
#: The login notebook's code cells, by position, that this test runs (in this order).
#: An error's output (stderr alone may be a progress bar or a warning).
TRACEBACK = re.compile(r"Traceback|\b\w*(Error|Exception)\b")
SETUP, DESKTOP_PANEL, HELPER, WAIT, MEDIA, WEB_PANEL = 1, 3, 5, 6, 8, 10

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]  # each step has its own limit


def _fresh_notebook(source: Path, target: Path) -> None:
    """The notebook as a person opens it before running it: no outputs, no execution counts."""
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    target.write_text(json.dumps(notebook))


@dataclass
class Lab:
    base: str
    token: str
    log: Path

    @property
    def notebook_url(self) -> str:
        return f"{self.base}/lab/tree/login.ipynb?token={self.token}"

    def kernels(self) -> list[dict[str, Any]]:
        """The server's view of its kernels (execution_state, connections)."""
        answer = requests.get(f"{self.base}/api/kernels", params={"token": self.token}, timeout=5)
        answer.raise_for_status()
        return list(answer.json())


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on loopback with a fresh config, serving an unexecuted copy of the notebook."""
    root = tmp_path_factory.mktemp("lab")
    _fresh_notebook(ROOT / "notebooks" / "login.ipynb", root / "login.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    env = {name: value for name, value in os.environ.items() if not name.startswith("INSTAPD_")}
    env |= {
        "JUPYTER_CONFIG_DIR": str(root / "config"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(root / "settings"),
        "INSTAPD_CACHE_DIR": str(root / "cache"),
    }
    notices = root / "settings" / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)  # no "get notified about news?" toast over the notebook
    (notices / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log_path = root / "lab.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok
        except requests.ConnectionError:
            return server.poll() is not None  # exited: stop waiting, fail below

    try:
        if not poll(answers, STEP_TIMEOUT / 1000) or server.poll() is not None:
            pytest.fail(f"JupyterLab did not start; see {log_path}")
        yield Lab(base, token, log_path)
    finally:
        stop_group(server)
        log.close()


class Steps:
    """Each step waits for what a person would see, and keeps a screenshot of it."""

    def __init__(self, page: Any, lab: Lab) -> None:
        self.page, self.lab = page, lab
        self.count = 0
        self.ran = 0  # code cells run so far: the next one's execution count is ran + 1
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)

    def shot(self, name: str, page: Any | None = None) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.count:02d}-{name}.png"
        (page or self.page).screenshot(path=str(path))
        return path

    def fail(self, what: str, page: Any | None = None, detail: str = "") -> None:
        path = self.shot("failed", page)
        pytest.fail(f"{what}{detail}; screenshot: {path}; JupyterLab's log: {self.lab.log}")

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
        """The kernel is connected and idle, as the notebook shows it and as the server knows."""
        self.see(self.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']"),
                 f"kernel-idle-{when}")  # fmt: skip
        self.until(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
            ".some(item => /\\| Idle/.test(item.textContent))",
            f"the status bar did not show the kernel Idle {when}",
        )

        def connected_and_idle() -> bool:
            kernels = self.lab.kernels()
            return (
                len(kernels) == 1
                and kernels[0]["execution_state"] == "idle"
                and kernels[0]["connections"] >= 1
            )

        if not poll(connected_and_idle, STEP_TIMEOUT / 1000):
            self.fail(f"the server's kernel was not connected and idle {when}",
                      detail=f": {self.lab.kernels()}")  # fmt: skip

    def cell(self, index: int) -> Any:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def run(self, index: int, name: str) -> None:
        """Run code cell ``index`` once the kernel is idle, then see its count and no error."""
        self.kernel_idle(f"before-{name}")
        cell = self.cell(index)
        cell.scroll_into_view_if_needed(timeout=STEP_TIMEOUT)
        cell.locator(".jp-InputPrompt").click()  # select it (and leave any widget's focus)
        self.page.keyboard.press("Escape")  # command mode, so Shift+Enter runs the cell
        self.until(
            "index => { const nb = document.querySelector('.jp-Notebook');"
            " const cell = nb.querySelectorAll('.jp-Cell')[index];"
            " return nb.classList.contains('jp-mod-commandMode')"
            " && cell.classList.contains('jp-mod-active') }",
            f"cell {index} ({name}) was not selected in command mode",
            index,
        )
        prompt = cell.locator(".jp-InputPrompt").inner_text().strip()
        if prompt not in ("[ ]:", ""):
            self.fail(f"cell {index} ({name}) had run before its turn", detail=f": {prompt!r}")
        self.page.keyboard.press("Shift+Enter")
        self.ran += 1
        self.until(
            "([index, expected]) => { const cell = document.querySelectorAll("
            "'.jp-Notebook .jp-Cell')[index];"
            " return cell.querySelector('.jp-InputPrompt').textContent.trim() === expected }",
            f"cell {index} ({name}) did not show its execution count [{self.ran}]",
            [index, f"[{self.ran}]:"],
        )
        stderr = cell.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        errors = [text for text in stderr.all_inner_texts() if TRACEBACK.search(text)]
        if errors:
            self.fail(f"cell {index} ({name}) raised", detail=":\n" + "\n".join(errors))
        self.shot(f"ran-{name}")


def test_log_in_through_the_panel_inchromium(lab: Lab) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        steps = Steps(page, lab)
        page.goto(lab.notebook_url, timeout=STEP_TIMEOUT)
        steps.see(page.locator(".jp-Notebook .jp-Cell").first, "notebook-open")

        # desktop mode: Log in, the link, the sandbox's login page in a new tab, Allow
        steps.run(SETUP, "setup")
        steps.run(DESKTOP_PANEL, "desktop-panel")
        panel = steps.cell(DESKTOP_PANEL).locator(".widget-vbox").first
        dialog = open_login_page(steps, context, panel, "desktop")
        dialog.locator("#allow").click()
        steps.see(dialog.get_by_text("You may close this tab"), "callback-page", dialog)
        dialog.close()
        steps.see(panel.get_by_text("Logged in as"), "panel-logged-in")
        assert "Sam Sandbox" in panel.inner_text()
        options = wait_for_accounts(steps, panel, 2)
        assert [o.split()[0] for o in options] == ["@brewlab.coffee", "@atelier.nord"]
        panel.locator("select").select_option(label=options[0])
        panel.screenshot(path=str(PANEL_PICTURE))

        # later cells: the helper sees the login and skips, then Media is read and rendered
        steps.run(HELPER, "helper")
        steps.run(WAIT, "wait")
        waited = steps.cell(WAIT).locator(".jp-OutputArea-output").first
        steps.see(waited, "wait-output")
        assert "Sam Sandbox granted" in waited.inner_text()
        steps.run(MEDIA, "media")
        table = steps.cell(MEDIA).locator(".jp-RenderedHTMLCommon table")
        steps.see(table, "media-table")
        assert "brewlab.coffee" in table.inner_text()

        # web mode: the same, pasting the address the browser landed on
        steps.run(WEB_PANEL, "web-panel")
        web_panel = steps.cell(WEB_PANEL).locator(".widget-vbox").first
        web_dialog = open_login_page(steps, context, web_panel, "web")
        # the address the browser lands on belongs to the web app; nothing listens there here
        web_dialog.route("https://localhost:33333/**", lambda route: route.fulfill(
            status=404, content_type="text/html", body="<h1>Nothing here</h1>"))  # fmt: skip
        web_dialog.locator("#allow").click()
        try:
            web_dialog.wait_for_url(re.compile(r".*[?&]code="), timeout=STEP_TIMEOUT)
        except Exception as exc:
            steps.fail(f"Allow did not land on the web app's address ({type(exc).__name__})",
                       web_dialog)  # fmt: skip
        landed = web_dialog.url
        web_dialog.close()
        web_panel.locator("input[type=text]").fill(landed)  # taken at once: no Submit needed
        steps.see(web_panel.get_by_text("Logged in as"), "web-logged-in")
        assert web_panel.locator("input[type=text]").input_value() == ""
        steps.kernel_idle("at-the-end")
        browser.close()
