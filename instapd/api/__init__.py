"""The entry points (being split by job; see the next commit)."""

from __future__ import annotations

from .connection import *  # noqa: F403
from .connection import _terminal_login  # noqa: F401
