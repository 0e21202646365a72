"""The catalog: one declarative entry per table, looked up case-insensitively. No I/O."""

from __future__ import annotations

from .base import Column, Filter, Hop, Table
from .tables import SNAPSHOT_TABLES, TABLES, get_table

__all__ = ["SNAPSHOT_TABLES", "TABLES", "Column", "Filter", "Hop", "Table", "get_table"]
