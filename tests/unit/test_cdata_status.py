"""docs/cdata.md: every CData property and procedure with its status, generated so it is current."""

from __future__ import annotations

from pathlib import Path

from instapd.cdata.status import CDATA_GROUPS, NOT_PROPERTIES, markdown, property_statuses
from instapd.cdata.systables import PROCEDURES
from instapd.config import PROPERTIES

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_page_is_current() -> None:
    page = (ROOT / "docs" / "cdata.md").read_text()
    assert page == markdown(), (
        'docs/cdata.md is stale; regenerate it with: python -c "from instapd.cdata.status '
        "import markdown; print(markdown(), end='')\" > docs/cdata.md"
    )


def test_every_cdata_property_has_a_status_and_a_reason() -> None:
    rows = property_statuses()
    assert len(rows) == sum(len(names) for names in CDATA_GROUPS.values())
    for row in rows:
        assert row.status in ("supported", "partly supported", "mapped", "not applicable")
        assert row.note, f"{row.name} says nothing of what it does"
    supported = {r.name.lower() for r in rows if r.status == "supported"}
    assert not supported & {n.lower() for n in NOT_PROPERTIES}  # a property or a reason, not both
    assert {"proxyserver", "userdefinedviews", "logfile"} <= supported
    partly = {r.name: r.note for r in rows if r.status == "partly supported"}
    assert set(partly) == {"ProxyAuthScheme", "SSLServerCert"}
    assert "PROPRIETARY" in partly["ProxyAuthScheme"]
    assert "thumbprint" in partly["SSLServerCert"]


def test_every_property_and_procedure_is_on_the_page() -> None:
    page = markdown()
    for prop in PROPERTIES:
        assert f"`{prop.cdata}`" in page
        assert prop.description, f"{prop.cdata} has no description"
    for name in PROCEDURES:
        assert f"`{name}`" in page
