"""Inbox, BestTime, Dashboard and Composer as a person sees them in JupyterLab: pictures loaded
(naturalWidth > 0), a reply that lands exactly once, a redraw on a control change, a picture
previewed and a post published to its permalink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .frontends import ARTIFACTS, Server
from .toolkit import opened, pictures_loaded, served

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CONNECT = 'connection = instapd.connect()\naccount = "brewlab.coffee"'
NOTEBOOKS = {
    "inbox": [
        CONNECT,
        "from instapd.widgets import Inbox\nInbox(account=account, connection=connection).wait()",
    ],
    "besttime": [
        CONNECT,
        "from instapd.widgets import BestTime\n"
        'BestTime(account=account, connection=connection, tz="Europe/Berlin").wait()',
    ],
    "dashboard": [
        CONNECT,
        "from instapd.widgets import Dashboard\n"
        "Dashboard(account='all', connection=connection).wait()",
    ],
    "composer": [
        CONNECT,
        "from instapd.api import shared_sandbox\n"
        "from instapd.widgets import Composer\n"
        "picture = shared_sandbox().sample_picture_url(1)\n"
        "composer = Composer(account=account, connection=connection, urls=[picture])\n"
        "composer",
    ],
}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(tmp_path_factory.mktemp("toolkit"), NOTEBOOKS) as server:
        yield server


def test_an_inbox_reply_lands_exactly_once(lab: Server) -> None:
    with opened(lab, "inbox", len(NOTEBOOKS["inbox"]) + 1, notebook="inbox") as steps:
        page = steps.page
        rows = page.locator(".ipd-inbox-row")
        steps.see(rows.first, "inbox")
        row = rows.first
        box = row.get_by_placeholder("Reply…")
        box.press_sequentially("THANKS")
        steps.see(row.get_by_text("capital letters only"), "rule-as-typed")
        assert row.get_by_role("button", name="Reply").is_disabled()
        box.fill("Thanks, glad you like it!")
        reply = row.get_by_role("button", name="Reply")
        steps.until("b => !b.disabled", "Reply stayed off", reply.element_handle())
        reply.focus()
        page.keyboard.press("Enter")  # the keyboard, as a person would
        steps.see(row.get_by_text("Replied (reply "), "replied")
        page.keyboard.press("Enter")
        assert row.get_by_role("button", name="Reply").is_disabled()
        steps.shot("after-second-press")
        assert row.inner_text().count("Replied (reply ") == 1


def test_best_time_shows_the_heatmap_and_slots(lab: Server) -> None:
    with opened(lab, "besttime", len(NOTEBOOKS["besttime"]) + 1, notebook="besttime") as steps:
        page = steps.page
        words = page.get_by_text("Best times to post")
        steps.see(words, "besttime")
        output = page.locator(".jp-OutputArea-output").filter(has=words).first
        pictures_loaded(steps, output, 1, "the heatmap")
        assert output.locator("li").count() == 3
        zone = output.get_by_role("textbox")
        zone.fill("Asia/Tokyo")
        zone.press("Enter")
        steps.see(output.get_by_text("(Asia/Tokyo)").first, "tokyo")
        output.screenshot(path=str(ARTIFACTS / "besttime.png"))


def test_the_dashboard_draws_both_accounts_and_redraws(lab: Server) -> None:
    with opened(lab, "dashboard", len(NOTEBOOKS["dashboard"]) + 1, notebook="dashboard") as steps:
        page = steps.page
        heading = page.get_by_text("Best media by reach").first
        steps.see(heading, "dashboard")
        # the output holding the dashboard, by a label that stays when it redraws
        output = page.locator(".jp-OutputArea-output").filter(has_text="Best by").first
        steps.see(output.get_by_text("account(s)"), "drawn")
        pictures_loaded(steps, output, 4, "the dashboard")
        assert output.get_by_text("@brewlab.coffee").count() >= 1
        assert output.get_by_text("@atelier.nord").count() >= 1
        output.locator("select").first.select_option("likes")
        both = "root => root.innerText.split('Best media by likes').length === 3"
        steps.until(both, "both panels were not redrawn", output.element_handle())
        steps.see(output.get_by_text("account(s)"), "redrawn")
        pictures_loaded(steps, output, 4, "the redrawn dashboard")
        output.screenshot(path=str(ARTIFACTS / "dashboard.png"))


def test_the_composer_counts_and_publishes_to_a_permalink(lab: Server) -> None:
    with opened(lab, "composer", len(NOTEBOOKS["composer"]) + 1, notebook="composer") as steps:
        page = steps.page
        caption = page.locator(".jp-OutputArea-output textarea").nth(1)  # URLs, then caption
        steps.see(caption, "composer")
        output = page.locator(".jp-OutputArea-output").filter(has_text="Caption").first
        pictures_loaded(steps, output, 1, "the preview")  # the picture itself, fetched by instapd
        assert output.get_by_text("no preview").count() == 0
        caption.press_sequentially("Morning pour #coffee @friend")
        steps.see(page.get_by_text("28/2,200 characters"), "counted")
        steps.see(page.get_by_text("posts left"), "quota")
        page.get_by_role("button", name="Publish").click()
        steps.see(page.get_by_text("Published: https://www.instagram.com/p/"), "published")
        assert page.get_by_text("FINISHED").count() >= 1
        page.locator(".jp-OutputArea-output").first.screenshot(path=str(ARTIFACTS / "composer.png"))
