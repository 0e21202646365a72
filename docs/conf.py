"""Sphinx configuration: pydata-sphinx-theme, MyST Markdown and notebooks executed by myst-nb.

Build (warnings are errors): ``sphinx-build -W --keep-going -b html docs docs/_build/html``
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

# The executed pages and notebooks run as the suite's nbval run has them (tests/notebook_env.py):
# none of your instapd settings or tokens, throwaway folders, no progress bars; the executing
# kernels inherit this environment. The sandbox is not in it: each page chooses it in a cell
# the reader sees, as a reader's own copy must.
from tests.notebook_env import use_notebook_environment  # noqa: E402

use_notebook_environment(Path(tempfile.mkdtemp(prefix="instapd-docs-")))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(HERE.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
)

import instapd  # noqa: E402

project = "instapd"
author = "instapd contributors"
copyright = "instapd contributors"
release = version = instapd.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "instapd_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]

# MyST: GitHub-style heading anchors, so links such as "benchmarks.md#sql" work.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# Notebooks: executed on every build (they keep only checked outputs in git), failing the build
# on any error.
nb_execution_mode = "force"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_output_stderr = "warn"  # a stray warning or traceback in a notebook fails the build

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_inherit_docstrings = False
autodoc_default_options = {"undoc-members": False}

html_theme = "pydata_sphinx_theme"
html_title = f"instapd {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
}
html_show_sourcelink = False
# Pages with no pages below them get no left sidebar (it would hold an empty "Section navigation").
html_sidebars = {
    page: [] for page in ["index", "getting-started", "_generated/api", "_generated/errors"]
}
html_static_path = ["_static"]
html_css_files = ["instapd.css"]
# Widgets carry a static text/html view of themselves (pictures inline); a page has no kernel to
# draw the live widget, so the site shows the static view.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
