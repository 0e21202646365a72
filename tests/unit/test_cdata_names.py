"""ColumnNames=CData: CData's column names as catalog data, and the docs page that lists them."""

from __future__ import annotations

from pathlib import Path

import pytest

import instapd
from instapd.catalog import TABLES, get_table
from instapd.catalog.names import column_names, markdown, to_graph
from instapd.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_page_is_current() -> None:
    page = (ROOT / "docs" / "cdata-names.md").read_text()
    assert page == markdown(), (
        'docs/cdata-names.md is stale; regenerate it with: python -c "from '
        "instapd.catalog.names import markdown; print(markdown(), end='')\" > docs/cdata-names.md"
    )


def test_comments_take_the_names_cdata_documents() -> None:
    names = set(column_names(get_table("Comments"), "CData").values())
    documented = {"Id", "Text", "MediaId", "Created", "Username", "Likes", "Hidden",
                  "InstagramBusinessAccountId", "UserId"}  # fmt: skip
    assert documented <= names
    media = column_names(get_table("Media"), "CData")
    assert (media["timestamp"], media["like_count"], media["permalink"]) == (
        "Created",
        "LikesCount",
        "Link",
    )


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
def test_names_are_unique_in_every_table_and_map_back(table: instapd.catalog.Table) -> None:
    shown = column_names(table, "CData")
    assert len({n.lower() for n in shown.values()}) == len(shown)
    for graph, cdata in shown.items():
        assert to_graph(table, "CData", cdata) == graph
        assert to_graph(table, "CData", cdata.upper()) == graph
        assert to_graph(table, "CData", graph) == graph


def test_graph_names_are_the_default() -> None:
    assert Config().column_names == "Graph"
    table = get_table("Comments")
    assert column_names(table) == {c.name: c.name for c in table.columns}
    assert Config.from_properties("ColumnNames=cdata").column_names == "CData"
    with pytest.raises(instapd.UsageError, match=r"Graph .* or CData"):
        Config.from_properties(ColumnNames="Pascal")


def test_former_table_names_are_aliases() -> None:
    assert get_table("AccountFollowersNonfollowers").name == "AccountFollowType"
    assert get_table("mediainsightreels").name == "MediaInsightsReels"
