"""Shared by the widget toolkit's browser tests: a notebook of widget cells, run in JupyterLab or
Notebook 7 in Debian's Chromium, with checks of what a person sees (pictures that loaded).

Every wait is for a condition (server answering, kernel idle, execution counts, an element
visible, a JavaScript predicate), never a fixed time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .frontends import CHROMIUM_FLAGS, Server, Steps, chromium, jupyter, run_all, write_notebook

SETUP = """import os
os.environ["INSTAPD_SANDBOX"] = "1"  # the embedded sandbox: its CDN serves the pictures
import instapd"""

#: Every img in ``root`` (a locator) has loaded: complete and naturalWidth > 0.
ALL_LOADED = (
    "([root, least]) => { const imgs = [...root.querySelectorAll('img')];"
    " return imgs.length >= least && imgs.every(i => i.complete && i.naturalWidth > 0) }"
)


def lab_command(root: Path) -> Any:
    def command(port: int, token: str) -> list[str]:
        return ["jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}", "--LabApp.news_url=",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]  # fmt: skip

    return command


def notebook7_command(root: Path) -> Any:
    def command(port: int, token: str) -> list[str]:
        return ["jupyter", "notebook", "--no-browser", "--allow-root",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]  # fmt: skip

    return command


@contextmanager
def served(
    root: Path, cells: list[str] | dict[str, list[str]], frontend: str = "lab"
) -> Iterator[Server]:
    """A Jupyter server on notebooks of ``cells`` (``widgets.ipynb``, or one per name)."""
    notebooks = cells if isinstance(cells, dict) else {"widgets": cells}
    for name, sources in notebooks.items():
        write_notebook([SETUP, *sources], root / f"{name}.ipynb")
    # the kernel runs this interpreter (the one with instapd), whatever kernels are installed
    spec = root / "data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    command = lab_command(root) if frontend == "lab" else notebook7_command(root)
    name = "JupyterLab" if frontend == "lab" else "Jupyter Notebook"
    with jupyter(name, command, root, "api/status") as server:
        yield server


@contextmanager
def opened(
    server: Server, name: str, cells: int, frontend: str = "lab", notebook: str = "widgets"
) -> Iterator[Steps]:
    """Chromium on the notebook, its ``cells`` code cells (the setup cell included) run
    (Run > Run All Cells), none raised."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        steps = Steps(page, server, name)
        folder = "lab/tree" if frontend == "lab" else "notebooks"
        path = f"{folder}/{notebook}.ipynb"
        reset = "&reset" if frontend == "lab" else ""  # no tabs restored from an earlier test
        page.goto(server.url(path) + reset, timeout=90_000)
        steps.see(page.locator(".jp-Notebook .jp-Cell").first, "notebook-open")
        run_all(steps, cells)
        try:
            yield steps
        finally:
            shutdown(server)
            browser.close()


def shutdown(server: Server) -> None:
    """Stop the notebook's kernel, so the next test's notebook finds one kernel only."""
    import requests

    for kernel in server.kernels():
        requests.delete(f"{server.base}/api/kernels/{kernel['id']}",
                        params={"token": server.token}, timeout=30)  # fmt: skip


def pictures_loaded(steps: Steps, root: Any, least: int, what: str) -> None:
    """Wait until ``root`` (a locator) holds ``least`` images or more, all loaded."""
    handle = root.element_handle(timeout=90_000)
    steps.until(ALL_LOADED, f"{what}: not every picture loaded", [handle, least])
