"""Pages generated from the package at build time, so the site cannot drift from the code.

- ``_generated/api.rst``: every name in ``instapd.__all__`` (errors on their own page), documented
  from the ``instapd`` namespace, never from private module paths;
- ``_generated/errors.rst``: the error tree from ``instapd.errors`` and each error class;
- ``_generated/tables/``: one page per catalog table (columns, dtypes, filters, scopes);
- ``_generated/repo/``: the Markdown files beside the README (the changelog, ...), included;
- ``_generated/notebooks/``: copies of ``notebooks/*.ipynb``, executed by myst-nb.

After the build, no page may hold a sandbox token.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.ext.napoleon import Config
from sphinx.ext.napoleon.docstring import NumpyDocstring
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT = Path(__file__).resolve().parents[2]

#: Sections of the API page: (title, names in ``instapd.__all__``). Names not listed here land
#: under "More", so a new public name is documented even before someone files it.
SECTIONS: list[tuple[str, list[str]]] = [
    ("Reading", ["read_instagram", "connect", "Connection", "set_default_connection"]),
    ("The catalog", ["tables", "describe"]),
    ("Logging in", ["login", "logout", "LinkedAccount"]),
    ("Connection properties", ["Config"]),
]


NAPOLEON = Config(napoleon_numpy_docstring=True, napoleon_google_docstring=False)


def _write(path: Path, text: str) -> None:
    """Write only on change, so Sphinx re-reads only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or " "


def _heading(title: str, char: str) -> str:
    return f"{title}\n{char * len(title)}\n"


#: The members a class's page shows: what a user calls. Hooks the layers fill in for each other
#: (``local_api``, ``account_memo``) and the plumbing under them stay out of the reference.
MEMBERS: dict[str, str] = {
    "Connection": "read, insert, update, delete, publish, publish_container, call, accounts, "
    "sandbox, logout, close",
    "Config": "from_properties",
    "LinkedAccount": "",
    "Sandbox": "start, stop, url, account_ids, now, advance, issue_token, "
    "issue_page_token, publish, requests_served",
    "Faults": "",
}


def _directive(obj: Any, name: str) -> str:
    if isinstance(obj, type):
        members = MEMBERS.get(obj.__name__)
        if members == "":
            return f".. autoclass:: {name}\n"
        listed = f" {members}" if members else ""
        return f".. autoclass:: {name}\n   :members:{listed}\n"
    return f".. autofunction:: {name}\n"


def api_page() -> str:
    import instapd

    names = [n for n in instapd.__all__ if n != "__version__"]
    errors = {n for n in names if isinstance(getattr(instapd, n), type)}
    errors = {n for n in errors if issubclass(getattr(instapd, n), BaseException)}
    placed = {n for _, group in SECTIONS for n in group}
    unknown = placed - set(names)
    if unknown:
        raise ExtensionError(f"docs/_ext: SECTIONS names {sorted(unknown)}, not in __all__")
    more = [n for n in names if n not in placed and n not in errors]
    parts = [
        _heading("API reference", "="),
        "Everything below is importable from the ``instapd`` package itself "
        "(``instapd.__all__``); its errors are on :doc:`errors`.\n",
        f"``instapd.__version__`` is ``{instapd.__version__}`` for this build.\n",
    ]
    for title, group in [*SECTIONS, ("More", more)]:
        if group:
            parts.append(_heading(title, "-"))
            parts += [_directive(getattr(instapd, n), f"instapd.{n}") for n in group]
    parts.append(_heading("Beyond the namespace", "-"))
    parts.append(
        "``import instapd`` registers ``DataFrame.ig`` on every frame instapd reads "
        "(``media.ig.comments()``):\n"
    )
    import pandas as pd

    accessor = pd.DataFrame.ig  # the class pandas registered, wherever it lives
    parts.append(f".. autoclass:: {accessor.__module__}.{accessor.__qualname__}\n   :members:\n")
    parts.append("The Parquet cache, ``instapd.cache``:\n")
    parts += [
        ".. autofunction:: instapd.cache.entries\n",
        ".. autofunction:: instapd.cache.clear\n",
    ]
    parts.append("The sandbox, ``instapd.sandbox``:\n")
    from instapd.sandbox import Faults, Sandbox

    parts += [
        _directive(Sandbox, "instapd.sandbox.Sandbox"),
        _directive(Faults, "instapd.sandbox.Faults"),
    ]
    return "\n".join(parts)


def error_classes() -> list[type[BaseException]]:
    """Every error class in ``instapd.errors``, in tree order (each parent before its children)."""
    from instapd import errors

    def walk(cls: type[BaseException]) -> list[type[BaseException]]:
        below = [c for c in cls.__subclasses__() if c.__module__ == errors.__name__]
        return [cls] + [c for child in below for c in walk(child)]

    # an error with two parents (SqlUnknownTableError is also an UnknownTableError) comes once
    return list(dict.fromkeys(walk(errors.InstapdError)))


def _tree_notes() -> dict[str, str]:
    """Each error's line in the tree of ``instapd.errors``' docstring: its name -> its note."""
    import re

    from instapd import errors

    tree = (errors.__doc__ or "").split("::", 1)[1].split("\n\n", 2)[1]
    notes = {}
    for line in tree.splitlines():
        found = re.match(r"[\s│├└─]*(\w+)(?:\s+\((?:also )?(\w+)\))?\s*(.*)", line)
        if found:
            also = f" (also a ``{found[2]}``)" if found[2] else ""
            notes[found[1]] = found[3].strip() + also
    notes["InstapdError"] = notes.get("InstapdError") or "the base of every error instapd raises"
    return notes


def error_tree() -> str:
    """The error classes as a nested list, each under its first base, linked to its entry."""
    from instapd import errors

    notes = _tree_notes()
    classes = error_classes()
    lines: list[str] = []

    def add(cls: type[BaseException], depth: int) -> None:
        note = notes.get(cls.__name__, "")
        indent = "  " * depth
        lines.append(
            f"{indent}- :exc:`~instapd.errors.{cls.__name__}`" + (f": {note}" if note else "")
        )
        children = [c for c in classes if c.__bases__[0] is cls]
        if children:
            lines.append("")
            for child in children:
                add(child, depth + 1)
            lines.append("")

    add(errors.InstapdError, 0)
    return "\n".join(lines) + "\n"


def errors_page() -> str:
    import instapd
    from instapd import errors

    public = set(instapd.__all__)
    missing = [cls.__name__ for cls in error_classes() if cls.__name__ not in public]
    if missing:
        raise ExtensionError(f"docs/_ext: errors not exported from instapd: {missing}")
    doc = errors.__doc__ or ""
    intro, after = doc.split("::", 1)[0].strip(), doc.split("::", 1)[1].split("\n\n", 2)[2]
    parts = [
        _heading("Errors", "="),
        intro + "\n",
        error_tree(),
        after.strip() + "\n",
        _heading("The error classes", "-"),
        "Each is importable from ``instapd`` and from ``instapd.errors``.\n",
    ]
    for cls in error_classes():
        parts.append(
            f".. autoexception:: instapd.errors.{cls.__name__}\n"
            "   :members:\n   :show-inheritance:\n"
        )
    return "\n".join(parts)


def table_page(name: str) -> str:
    import instapd
    from instapd.catalog import get_table

    entry = get_table(name)
    frame = instapd.describe(name)
    facts = frame.attrs["instapd"]
    walk = {
        "account": "the chosen Instagram business account(s)",
        "user": "the token's user (``me``)",
        "linked": "the token's user, filtered to the chosen accounts",
    }
    time_column = f"`{entry.time_column}`" if entry.time_column else "none"
    call = [f'"{entry.name}"'] + ["account=..."] * (entry.scope != "user")
    call += [f"{f.name}=..." for f in entry.filters if f.required]
    lines = [
        f"# {entry.name}",
        "",
        _cell(entry.description).rstrip(".") + ".",
        "",
        "```python",
        f"df = pd.read_instagram({', '.join(call)})",
        "```",
        "",
        f"- **kind**: {entry.kind}",
        f"- **read from**: {walk.get(entry.scope, entry.scope)}",
        f"- **permissions (scopes)**: {', '.join(f'`{s}`' for s in entry.scopes) or 'none'}",
        f"- **time column** (`since` / `until`): {time_column}",
        f"- **every table takes**: {_cell(facts['every_table_takes'])}",
        "",
    ]
    if entry.notes:
        lines += [_cell(entry.notes), ""]
    lines += ["## Filters", ""]
    if entry.filters:
        lines += ["| filter | takes | default | description |", "|---|---|---|---|"]
        for f in entry.filters:
            takes = {"ids": "an id or a list of ids", "text": "text"}.get(f.kind, f.kind)
            if f.choices:
                one = "one of" if f.kind == "choice" else "some of"
                takes = f"{one} " + ", ".join(f"`{c}`" for c in f.choices)
            if f.required:
                takes += " (required)"
            default = f.default if isinstance(f.default, str) else ", ".join(f.default or ())
            lines.append(
                f"| `{f.name}` | {_cell(takes)} | {_cell(default)} | {_cell(f.description)} |"
            )
    else:
        lines.append("None beyond those every table takes.")
    lines += ["", "## Sample rows", "", sample_rows(entry.name)]
    lines += ["", "## Columns", "", "| column | dtype | Graph field | description |"]
    lines.append("|---|---|---|---|")
    for row in frame.itertuples(index=False):
        lines.append(
            f"| `{row.column}` | `{row.dtype}` | `{row.graph_field}` | {_cell(row.description)} |"
        )
    return "\n".join(lines) + "\n"


#: Values for the filters a table requires, as the sandbox's seeded data has them.
SAMPLE_FILTERS = {"hashtag": "coffee", "username": "atelier.nord"}
SAMPLE_ROWS = 3
_samples: dict[str, Any] = {}


def _sample_connection() -> Any:
    """One connection to the embedded sandbox for every table page, and the ids it knows."""
    if not _samples:
        import instapd

        connection = instapd.connect(sandbox=True, cache=False)
        account = connection.local_api() and "brewlab.coffee"
        media = connection.read("Media", account=account, limit=20, progress=False)
        comments = media.ig.comments(connection)
        _samples.update(connection=connection, account=account,
                        media_id=str(media["id"].iloc[0]),
                        comment_id=str(comments["id"].iloc[0]))  # fmt: skip
        _samples.update(_mentions(connection, str(connection.resolve_accounts(account)[0])))
    return _samples["connection"]


def _mentions(connection: Any, account: str) -> dict[str, str]:
    """A media and a comment of other accounts that @mention ``account``, as a webhook would
    name them (MentionedMedia and MentionedComment read nothing else)."""
    data = connection.sandbox.dataset
    username = data[account].values["username"]
    public = [m for a in data.public_ids for m in data[a].edges["media"]]
    media = next(m for m in public if f"@{username}" in str(data[m].values.get("caption", "")))
    comment = next(c for m in public for c in data[m].edges.get("comments", []))
    return {"mentioned_media_id": media, "mentioned_comment_id": comment}


def sample_rows(name: str) -> str:
    """A few rows of ``name`` read from the sandbox, as a Markdown table (or why there are none)."""
    import warnings

    from instapd.catalog import get_table

    entry = get_table(name)
    connection = _sample_connection()
    options: dict[str, Any] = {}
    if entry.scope != "user":
        options["account"] = _samples["account"]
    mentions = entry.name.startswith("Mentioned")
    for f in entry.filters:
        if f.required:
            known = _samples.get(f"mentioned_{f.name}" if mentions else f.name)
            options[f.name] = SAMPLE_FILTERS.get(f.name) or known
    options.update(limit=SAMPLE_ROWS, progress=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a seeded post refusing a metric: NA cells
            frame = connection.read(name, **options).head(SAMPLE_ROWS)
    except Exception as exc:  # the page says why, rather than failing the build
        return f"The sandbox gives no sample of this table ({type(exc).__name__}: {exc})\n"
    if frame.empty:
        return "The sandbox has no rows of this table right now (it holds what is live).\n"

    def shown(value: Any) -> str:
        text = str(value)
        text = "NA" if text in {"<NA>", "NaT", "nan", "None"} else text
        return _cell(text if len(text) <= 40 else text[:39] + "…")

    lines = ["| " + " | ".join(f"`{c}`" for c in frame.columns) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(shown(v) for v in row) + " |")
    call = ", ".join(f"{k}={v!r}" for k, v in options.items() if k != "progress")
    return (f"Read from the sandbox with `connection.read({name!r}, {call})` "
            f"({len(frame.columns)} columns; the table scrolls sideways):\n\n"
            '<div class="sample-rows">\n\n' + "\n".join(lines) + "\n\n</div>\n")  # fmt: skip


def tables_index(names: list[str]) -> str:
    from instapd.catalog import get_table

    lines = [
        "# Tables",
        "",
        "One page per table, generated from the catalog (`instapd.tables()` and "
        '`instapd.describe("Media")` give the same facts as DataFrames).',
        "",
        "```{toctree}",
        ":hidden:",
        "",
        *names,
        "```",
        "",
        "| table | kind | what it holds |",
        "|---|---|---|",
    ]
    for name in names:
        entry = get_table(name)
        lines.append(f"| [{name}]({name}.md) | {entry.kind} | {_cell(entry.description)} |")
    return "\n".join(lines) + "\n"


def generate(app: Sphinx) -> None:
    from instapd.catalog import TABLES

    out = Path(app.srcdir) / "_generated"
    _write(out / "api.rst", api_page())
    _write(out / "errors.rst", errors_page())
    names = [t.name for t in TABLES.values()]
    _write(out / "tables" / "index.md", tables_index(names))
    for name in names:
        _write(out / "tables" / f"{name}.md", table_page(name))
    for stale in (out / "tables").glob("*.md"):
        if stale.stem not in {*names, "index"}:
            stale.unlink()
    repo = out / "repo"  # ARCHITECTURE.md, CHANGELOG.md, ...: the Markdown beside the README
    pages = [p.name for p in sorted(ROOT.glob("*.md")) if p.name != "README.md"]
    for name in pages:
        _write(repo / name, f"```{{include}} ../../../{name}\n```\n")
    for stale in repo.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    notebooks = out / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for source in sources:
        target = notebooks / source.name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
    for stale in notebooks.glob("*.ipynb"):
        if not (ROOT / "notebooks" / stale.name).exists():
            stale.unlink()


def _text(path: Path) -> str:
    """The file's text without its pictures (base64 holds "SBX" by chance): a notebook's image
    outputs, and inline ``data:image`` pictures anywhere, broken into lines or not (the widgets'
    static views)."""
    import json
    import re

    text = path.read_text(errors="replace")
    if path.name.endswith((".ipynb", ".ipynb.txt")):
        try:
            notebook = json.loads(text)
        except ValueError:
            notebook = None
        if notebook is not None:
            for cell in notebook.get("cells", []):
                for output in cell.get("outputs", []):
                    for kind in [k for k in output.get("data", {}) if k.startswith("image/")]:
                        del output["data"][kind]
            text = json.dumps(notebook)
    return re.sub(r"data:image/[a-z+]+;base64,(?:[A-Za-z0-9+/=\n]|\\n)+", "", text)


def no_tokens(app: Sphinx, exception: BaseException | None) -> None:
    """Fail the build if any page shows a sandbox token (they start with ``SBX``)."""
    if exception is not None or app.builder.format != "html":
        return
    leaks = [
        str(path.relative_to(app.outdir))
        for path in Path(app.outdir).rglob("*")
        if path.suffix in {".html", ".ipynb", ".txt", ".js"} and "SBX" in _text(path)
    ]
    if leaks:
        raise ExtensionError(f"a sandbox token shows in {leaks}")


class RepoLinks(SphinxPostTransform):
    """The README's links to Markdown beside it (``ARCHITECTURE.md``) lead to their page here."""

    default_priority = 8  # before myst-parser's resolver, which would warn

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get("reftype") != "myst" or node.get("refdomain") == "doc":
                continue
            page = f"_generated/repo/{Path(node['reftarget']).stem}"
            if node["reftarget"].endswith(".md") and page in self.env.found_docs:
                uri = self.app.builder.get_relative_uri(self.env.docname, page)
                link = nodes.reference("", "", internal=True, refuri=uri)
                link += node.children
                node.replace_self(link)


def numpy_sections(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """NumPy-style sections (``Parameters`` / ``----------``) become fields, as napoleon does.

    Only for callables: napoleon would read a property's ``Where data comes from: ...`` as a
    type followed by a description.
    """
    if what in {"function", "method", "class", "exception"}:
        lines[:] = NumpyDocstring(lines, NAPOLEON, app, what, name, obj, options).lines()


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(RepoLinks)
    app.connect("autodoc-process-docstring", numpy_sections)
    app.connect("builder-inited", generate)
    app.connect("build-finished", no_tokens)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
