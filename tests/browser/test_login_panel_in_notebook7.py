"""The login panel in Notebook 7, driven in Debian's Chromium against the sandbox's login page:
one panel that listens (and offers paste), one on a kernel that looks remote (paste only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .frontends import (
    CHROMIUM_FLAGS,
    PANELS_NOTEBOOK,
    STEP_TIMEOUT,
    Server,
    Steps,
    chromium,
    jupyter,
    log_in_with_both_panels,
    login_panels,
    run_all,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]  # each step has its own limit


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("notebook7")
    write_notebook(PANELS_NOTEBOOK, root / "panels.ipynb")

    def command(port: int, token: str) -> list[str]:
        return ["jupyter", "notebook", "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]  # fmt: skip

    with jupyter("Jupyter Notebook", command, root, "api/status") as server:
        yield server


def test_log_in_through_the_panels_in_notebook7(notebook7: Server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        steps = Steps(page, notebook7, "notebook7")
        page.goto(notebook7.url("notebooks/panels.ipynb"), timeout=STEP_TIMEOUT)
        steps.see(page.locator(".jp-Notebook .jp-Cell").first, "notebook-open")
        run_all(steps, len(PANELS_NOTEBOOK), cells=".jp-Cell")
        panels = login_panels(page)
        steps.see(panels.nth(1), "panels-rendered")
        log_in_with_both_panels(steps, context, panels)
        steps.kernel_idle("at the end")
        browser.close()
