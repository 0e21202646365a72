"""The how-to pages' Python examples run, in order, each page in one namespace (the sandbox's)."""

from __future__ import annotations

import importlib.util
import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

HOWTO = Path(__file__).resolve().parents[1] / "docs" / "howto"
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks(page: str) -> list[str]:
    return _BLOCK.findall((HOWTO / page).read_text())


def _run(page: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    namespace: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in _blocks(page):
            if "import dagster" in block:
                _dagster(block, namespace, monkeypatch)
                continue
            exec(compile(block, f"{page} example", "exec", dont_inherit=True), namespace)
    return namespace


def _dagster(block: str, namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The Dagster definitions, against the page's sandbox, materialised once."""
    if importlib.util.find_spec("dagster_dlt") is None:
        if os.environ.get("CI") == "true":  # the test extra installs it: CI runs the example
            raise AssertionError("dagster-dlt is missing: pip install -e '.[test]'")
        return  # a development venv from before the dagster extra: run where it is installed
    box = namespace["box"]
    monkeypatch.setenv("INSTAPD_GRAPH_URL", box.url)
    monkeypatch.setenv("INSTAPD_ACCESS_TOKEN", box.token)
    monkeypatch.setenv("INSTAPD_CACHE", "0")
    import instapd

    instapd.set_default_connection(None)
    scope: dict[str, Any] = {}
    exec(compile(block, "dlt.md Dagster example", "exec", dont_inherit=True), scope)
    import dagster as dg

    result = dg.materialize(
        [scope["instagram_assets"]], resources={"dlt": scope["DagsterDltResource"]()}
    )
    assert result.success
    assert scope["defs"].get_schedule_def("instagram_every_six_hours").cron_schedule
    namespace["dagster_ran"] = True


def test_the_agency_page_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    done = _run("agency.md", monkeypatch, tmp_path)
    assert set(done["accounts"]["relation"]) == {"owned", "client"}
    assert set(done["health"]["token_type"]) == {"system user"}
    assert len(done["frame"]) == len(done["accounts"])
    assert done["media"]["business_account_id"].nunique() == 6


def test_the_dlt_page_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    done = _run("dlt.md", monkeypatch, tmp_path)
    assert done["info"].has_failed_jobs is False
    assert done["rows"] == [(12, 12)]
    if importlib.util.find_spec("dagster_dlt") is not None:
        assert done["dagster_ran"], "the Dagster definitions were materialised"
