"""How the commands print frames."""

from __future__ import annotations

from typing import Any

import pandas as pd

_WIDE = {"display.width": 120, "display.max_columns": 8, "display.max_colwidth": 28}


def wide(**options: Any) -> pd.option_context:
    """pandas' display options for a terminal (``max_colwidth=...`` and so on override)."""
    merged = {**_WIDE, **{f"display.{k}": v for k, v in options.items()}}
    return pd.option_context(*[item for pair in merged.items() for item in pair])
