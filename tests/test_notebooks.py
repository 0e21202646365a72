"""The notebooks are jupytext pairs (notebooks/NAME.md beside NAME.ipynb) that agree, stored with
every output of one run top to bottom, test markers in cell tags, no test plumbing in what a
reader sees, and no secret anywhere."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from jupytext.compare import compare_notebooks

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
#: What nbval and the docs read from cell tags; as comments they would show in the code.
MARKER_COMMENT = re.compile(r"#\s*(NBVAL_\w+|DOCS_\w+|noqa)", re.IGNORECASE)


def test_every_notebook_has_its_text_twin_and_the_reverse() -> None:
    assert len(NOTEBOOKS) >= 8
    assert {p.stem for p in FOLDER.glob("*.md")} == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_pair_is_in_sync(path: Path) -> None:
    notebook = jupytext.read(path)
    assert notebook.metadata["jupytext"]["formats"] == "ipynb,md:myst"
    text = jupytext.read(path.with_suffix(".md"))
    # jupytext's own comparison: every cell's type, source and metadata (tags) as the .md has them
    compare_notebooks(text, notebook, fmt="md:myst")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_complete_and_markers_are_tags(path: Path) -> None:
    notebook = jupytext.read(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code if "nbval-skip" not in c.metadata.get("tags", [])]
    assert counts == list(range(1, len(counts) + 1)), "run tools/execute-notebooks " + path.stem
    shown = [c for c in code if c.outputs]
    assert len(shown) >= len(code) // 2, "most cells show something"
    for cell in code:
        assert not MARKER_COMMENT.search(cell.source), cell.source.splitlines()[0]
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert all(o.data.get("text/plain") != "'1'" for o in results), "an env var echoed"


#: A picture inline; its base64 may be broken into lines (widgets' static views are).
INLINE_PICTURE = re.compile(r"data:image/(?:png|jpeg);base64,(?:[A-Za-z0-9+/=\n]|\\n)+")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_secret_is_stored(path: Path) -> None:
    notebook = jupytext.read(path)
    for cell in notebook.cells:  # pictures aside: base64 holds any three letters now and then
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            data.pop("image/png", None)
            if "text/html" in data:  # joined first: a broken-up picture spans several lines
                data["text/html"] = INLINE_PICTURE.sub("", "".join(data["text/html"]))
    text = jupytext.writes(notebook, "ipynb")
    text = INLINE_PICTURE.sub("", text)  # pictures inline in HTML and widget state, likewise
    assert "SBX" not in text, f"{path.name} holds a sandbox token"
    assert "access_token=" not in text
    assert "instapd-notebooks-" not in text, "a throwaway folder of the run that made them"


#: What secret scanners take for a Meta access token: ``EAA`` and a run of letters and digits.
META_TOKEN = re.compile(r"EAA[A-Za-z0-9]{20,}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_picture_looks_like_a_token_to_a_secret_scanner(path: Path) -> None:
    found = META_TOKEN.search(path.read_text(encoding="utf-8"))  # the file as scanners read it
    assert found is None, (
        f"{path.name}: {found and found.group(0)[:24]}...; run tools/execute-notebooks"
    )


#: What belongs to whoever starts the kernel (tests/notebook_env.py, binder/start), never to a
#: notebook: the environment set from a cell, and words that speak to a test run, not the reader.
PLUMBING = re.compile(
    r"os\.environ|os\.putenv|^\s*%(?:env|set_env)\b|real user|unattended|nbval|test run",
    re.IGNORECASE | re.MULTILINE,
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_is_test_plumbing(path: Path) -> None:
    for cell in jupytext.read(path).cells:
        found = PLUMBING.search(cell.source)
        assert found is None, f"{path.stem}: {found[0]!r} speaks to a test run (notebook_env.py)"
        hidden = cell.cell_type == "code" and "remove-cell" in cell.metadata.get("tags", [])
        assert not hidden, f"{path.stem}: only the docs hide a cell; GitHub and Binder show it"


def test_the_kernels_nbval_starts_get_the_runs_environment() -> None:
    """The root conftest sets the run's environment and nbval's kernels inherit it, the
    developer's instapd settings gone, even when one notebook is run on its own."""
    folder = ROOT / "test-artifacts" / "notebook-env"  # under the root: its conftest applies
    folder.mkdir(parents=True, exist_ok=True)
    notebook = jupytext.reads(
        "import os\n"
        "assert 'INSTAPD_ACCESS_TOKEN' not in os.environ, 'the developer token'\n"
        "assert os.environ['INSTAPD_CACHE_DIR'] != '/home/developer/cache'\n"
        "assert os.environ['INSTAPD_PROGRESS'] == '0'\n",
        fmt="py:percent",
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    jupytext.write(notebook, folder / "env.ipynb")
    developer = {**os.environ, "INSTAPD_ACCESS_TOKEN": "developer-token",
                 "INSTAPD_CACHE_DIR": "/home/developer/cache"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "--nbval-lax", "--nbval-kernel-startup-timeout=240", str(folder / "env.ipynb")],
        cwd=ROOT, env=developer, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]


#: The modules the API reference documents; a notebook shows a reader only these.
PUBLIC_MODULES = {"instapd", "instapd.cache", "instapd.sandbox", "instapd.sql", "instapd.sql.dbapi",
                  "instapd.webhooks", "instapd.widgets"}  # fmt: skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_imports_only_the_public_api(path: Path) -> None:
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(TransformerManager().transform_cell(cell.source))  # magics as IPython
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        internal = [m for m in imported if m.startswith("instapd") and m not in PUBLIC_MODULES]
        assert not internal, f"{path.stem} imports {internal}: instapd's internals"


#: Where a kernel keeps a cell's code: a warning raised from a cell names it, and GitHub shows it.
KERNEL_PATH = re.compile(r"ipykernel_\d+")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_output_shows_a_path_of_the_machine_that_ran_it(path: Path) -> None:
    for cell in jupytext.read(path).cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") + "".join(output.get("traceback", []))
            found = KERNEL_PATH.search(text)
            assert found is None, f"{path.stem}: {text[:160]!r}; catch it and print its message"
