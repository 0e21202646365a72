"""Notebook widgets (the ``widgets`` extra: ``pip install "instapd[widgets]"``)."""

from __future__ import annotations

try:
    import ipywidgets  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('The login panel needs ipywidgets: pip install "instapd[widgets]"') from exc

from .login import LoginPanel

__all__ = ["LoginPanel"]
