"""The README cannot drift: its examples run, and its table list is the catalog's."""

from __future__ import annotations

import doctest
import types
from pathlib import Path

import instapd
from instapd.cdata.info import scopes_markdown, tables_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run() -> None:
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_readme_lists_every_table_from_the_catalog() -> None:
    text = README.read_text()
    section = text.split("<!-- tables:start -->\n")[1].split("\n<!-- tables:end -->")[0]
    assert section == tables_markdown(), "regenerate: python -m instapd tables --markdown"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    command = 'tools/setup-browser && pip install -e ".[test]" && pytest'
    assert command in README.read_text()
    assert command in ci


def test_public_api_is_explicit() -> None:
    public = {
        name
        for name, value in vars(instapd).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } - {"annotations"}
    assert public | {"__version__"} == set(instapd.__all__)


def test_the_app_guide_lists_each_tables_scopes_from_the_catalog() -> None:
    text = (README.parent / "docs" / "meta-app.md").read_text()
    section = text.split("<!-- scopes:start -->\n")[1].split("\n<!-- scopes:end -->")[0]
    assert section == scopes_markdown()
    assert "docs/meta-app.md" in README.read_text()


def test_notebooks_hold_no_secret_and_no_stale_output() -> None:
    import json

    for path in sorted((README.parent / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        text = path.read_text()
        assert "SBX" not in text, f"{path.name} holds a token"
        assert "access_token=" not in text
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code" and cell["outputs"]:
                assert "NBVAL_CHECK_OUTPUT" in "".join(cell["source"]), path.name


def test_readme_docs_command_is_what_ci_runs() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    command = (
        'pip install -e ".[docs]" && sphinx-build -W --keep-going -b html docs docs/_build/html'
    )
    assert command in README.read_text()
    assert command in ci


def test_the_error_tree_names_every_error() -> None:
    from instapd import errors

    tree = (errors.__doc__ or "").split("::")[1]
    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.InstapdError)
    ]
    assert len(classes) > 20
    for cls in classes:
        assert f" {cls.__name__} " in tree or tree.lstrip().startswith(cls.__name__), cls.__name__
