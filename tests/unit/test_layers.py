"""The layers' promises that tests can check: a cheap ``import instapd``, and a connection that
reaches a sandbox only through what the entry points give it."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from instapd.config import Config
from instapd.connection import BaseConnection, LocalApi
from instapd.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("requests_oauthlib", "oauthlib", "werkzeug", "cryptography", "tqdm", "ipywidgets",
        "matplotlib", "instapd.sandbox", "instapd.io", "requests", "sqlglot", "duckdb",
        "sqlalchemy", "instapd.sql.run", "instapd.sql.dbapi", "instapd.sql.dialect",
        "instapd.sql.statement", "instapd.cdata.procedures")  # fmt: skip


def test_import_instapd_leaves_what_a_read_does_not_need_unloaded() -> None:
    code = (
        "import sys, pandas as pd, instapd\n"
        "print(hasattr(pd, 'read_instagram'), hasattr(pd.DataFrame, 'ig'))\n"
        f"print(sorted({{k.split('.')[0] if not k.startswith('instapd') else k for k in sys.modules"
        f" if any(k == m or k.startswith(m + '.') for m in {LAZY!r})}}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.splitlines()
    assert out == ["True True", "[]"]


def test_a_local_api_never_shows_its_token_or_secret() -> None:
    local = LocalApi("http://127.0.0.1:1", "tok-123", "app", "sec-456", "http://127.0.0.1:1/d")
    assert "tok-123" not in repr(local)
    assert "sec-456" not in repr(local)


def test_a_bare_connection_does_not_start_a_sandbox() -> None:
    connection = BaseConnection(Config(sandbox=True))
    with pytest.raises(UsageError, match=r"instapd\.connect\(\)"):
        _ = connection.graph_url


def test_at_most_14_modules_at_the_top_each_saying_what_it_offers() -> None:
    """ARCHITECTURE.md's count (the .py files directly in instapd/, dunders included) and its
    convention: every top-level module and every package names its offer in ``__all__``."""
    package = ROOT / "instapd"
    top = sorted(p.name for p in package.glob("*.py"))
    assert len(top) <= 14, top
    for path in [*package.glob("*.py"), *package.glob("*/__init__.py")]:
        if path.name == "__main__.py":  # running it is its job
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        module = importlib.import_module(name)
        offered = getattr(module, "__all__", None)
        assert isinstance(offered, list), f"{name} has no __all__"
        missing = [n for n in offered if not hasattr(module, n)]
        assert not missing, f"{name}.__all__ names what it lacks: {missing}"


def test_every_public_error_is_offered_at_the_top() -> None:
    """``except instapd.SomeError`` works for every error the tree documents (the docs' errors
    page lists them from ``instapd.__all__``)."""
    import instapd
    from instapd import errors

    raised = {
        n for n in errors.__all__ if n.endswith("Error") and isinstance(getattr(errors, n), type)
    }
    assert not raised - set(instapd.__all__), sorted(raised - set(instapd.__all__))
