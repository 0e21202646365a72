"""The README and the guides cannot drift: their examples run, and their commands are CI's."""

from __future__ import annotations

import doctest
import types
from pathlib import Path

import pytest

import instapd
from instapd.cdata.info import scopes_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
DOCS = README.parent / "docs"
#: Pages whose ``>>>`` examples are run: the README and the guides (each page on its own).
EXAMPLES = [README, DOCS / "getting-started.md", *sorted((DOCS / "howto").glob("*.md"))]


@pytest.mark.parametrize("page", EXAMPLES, ids=lambda p: str(p.relative_to(README.parent)))
def test_examples_run(page: Path) -> None:
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_readme_has_a_tour_and_cites_only_files_in_the_repository() -> None:
    import re

    text = README.read_text()
    assert doctest.DocTestParser().get_examples(text), "the README's tour is a doctest"
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (README.parent / target).exists(), target


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


def test_the_docs_command_on_the_ci_page_is_what_ci_runs() -> None:
    ci = (README.parent / ".ci" / "run").read_text()
    command = (
        'pip install -e ".[docs]" && sphinx-build -W --keep-going -b html docs docs/_build/html'
    )
    assert command in (DOCS / "developer" / "ci.md").read_text()
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
