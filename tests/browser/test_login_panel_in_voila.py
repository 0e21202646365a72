"""The login panel in Voila, driven in Debian's Chromium against the sandbox's login page: the
notebook runs as an app (no code shown), and a person logs in with either panel."""

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
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]  # each step has its own limit


@pytest.fixture(scope="module")
def voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("voila")
    write_notebook(PANELS_NOTEBOOK, root / "panels.ipynb")

    def command(port: int, token: str) -> list[str]:
        return ["voila", "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
                f"--token={token}", f"--Voila.root_dir={root}"]  # fmt: skip

    with jupyter("Voila", command, root, "") as server:  # the tree page: runs no kernel
        yield server


def test_log_in_through_the_panels_in_voila(voila: Server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        steps = Steps(page, voila, "voila")
        page.goto(voila.url("voila/render/panels.ipynb"), timeout=STEP_TIMEOUT)
        panels = login_panels(page)
        steps.see(panels.nth(1), "panels-rendered")  # every cell ran; the widgets are live
        assert panels.count() == 2
        assert "instapd.login" not in page.inner_text("body"), "Voila shows no code"
        log_in_with_both_panels(steps, context, panels)
        browser.close()
