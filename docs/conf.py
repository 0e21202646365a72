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

# The notebooks run against the in-process sandbox, never a real account, with a throwaway cache
# and no progress bars; the executing kernels inherit this environment.
for _name in [n for n in os.environ if n.startswith("INSTAPD_")]:
    del os.environ[_name]
os.environ["INSTAPD_SANDBOX"] = "1"
os.environ["INSTAPD_PROGRESS"] = "0"
os.environ["INSTAPD_CACHE_DIR"] = tempfile.mkdtemp(prefix="instapd-docs-cache-")
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
