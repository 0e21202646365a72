"""The gallery as a person sees it, in JupyterLab and in Notebook 7: every tile's picture loaded
(naturalWidth > 0), a click opens the item, its Comments button shows the comments frame."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .frontends import ARTIFACTS, Server
from .toolkit import opened, pictures_loaded, served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
#: The picture the README and the widgets how-to show (copied to docs/_static on purpose).
GALLERY_PICTURE = ARTIFACTS / "gallery.png"
CELLS = [
    """media = instapd.read_instagram("Media", account="brewlab.coffee", limit=24)
gallery = media.ig.gallery("likes")
gallery""",
    "gallery.wait().status.value",
]


@pytest.fixture(scope="module", params=["lab", "notebook7"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Server]]:
    frontend = str(request.param)
    with served(tmp_path_factory.mktemp(frontend), CELLS, frontend) as running:
        yield frontend, running


def test_the_gallery_shows_pictures_and_opens_an_item(server: tuple[str, Server]) -> None:
    frontend, running = server
    with opened(running, f"gallery-{frontend}", len(CELLS) + 1, frontend) as steps:
        page = steps.page
        grid = page.locator(".ipd-grid")
        steps.see(grid, "gallery")
        tiles = grid.locator(".ipd-tile")
        assert tiles.count() == 24
        pictures_loaded(steps, grid, 24, "the gallery")
        assert grid.locator(".ipd-placeholder").count() == 0
        if frontend == "lab":
            grid.screenshot(path=str(GALLERY_PICTURE))
        steps.shot("pictures")
        first = tiles.nth(0)
        label = first.get_attribute("aria-label") or ""
        first.click()
        detail = page.get_by_test_id("detail")
        steps.see(detail, "item-open")
        assert label.split(": ", 1)[1][:15] in detail.inner_text()
        page.get_by_role("button", name="Comments").click()
        frame = page.locator(".jp-OutputArea-output table.dataframe")
        steps.see(frame.first, "comments-frame")
        assert "from_username" in frame.first.inner_text()
