"""Smaller pages after Meta's code 1 ("Please reduce the amount of data you're asking for").

Meta judges the size of the whole answer, nested expansions included, so the same request fails
again. A :class:`Shrink` halves the page ``limit`` and every nested ``.limit(n)`` in ``fields``
(down to 1), and doubles them back, up to what was first asked, after successes in a row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NESTED_LIMIT = re.compile(r"\.limit\((\d+)\)")
#: Successes in a row before the limits grow back one step.
GROW_AFTER = 2


class Shrink:
    """The limits of one paged read, scaled down by ``2 ** level``."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        limit = str(params.get("limit") or "")
        self.limit = int(limit) if limit.isdigit() else None
        fields = params.get("fields")
        self.fields = str(fields) if fields else None
        self.level = 0
        self._streak = 0

    def _scaled(self, value: int) -> int:
        return max(1, value >> self.level)

    def apply(self) -> dict[str, str]:
        """The ``limit`` and ``fields`` to send now (only those first asked for)."""
        out: dict[str, str] = {}
        if self.limit is not None:
            out["limit"] = str(self._scaled(self.limit))
        if self.fields is not None:
            out["fields"] = _NESTED_LIMIT.sub(
                lambda m: f".limit({self._scaled(int(m.group(1)))})", self.fields
            )
        return out

    def can_shrink(self) -> bool:
        """Whether some limit is still above 1."""
        values = [self.limit] if self.limit is not None else []
        values += [int(n) for n in _NESTED_LIMIT.findall(self.fields or "")]
        return any(self._scaled(v) > 1 for v in values)

    def shrink(self) -> None:
        self.level += 1
        self._streak = 0

    def succeeded(self) -> None:
        if self.level == 0:
            return
        self._streak += 1
        if self._streak >= GROW_AFTER:
            self.level -= 1
            self._streak = 0
