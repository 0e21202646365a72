"""Smaller pages after Meta's code 1 ("Please reduce the amount of data you're asking for").

Meta judges the size of the whole answer, nested expansions included, so the same request fails
again. A :class:`Shrink` halves the page ``limit`` first (down to 1), then every nested
``.limit(n)`` in ``fields`` (down to 1): smaller nested pages would cost a request per parent
for the overflow. After successes in a row it doubles them back, nested ones first, up to what
was first asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NESTED_LIMIT = re.compile(r"\.limit\((\d+)\)")
#: Successes in a row before the limits grow back one step.
GROW_AFTER = 2


class Shrink:
    """The limits of one paged read: the page's halved ``top`` times, nested ones ``nested``."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        limit = str(params.get("limit") or "")
        self.limit = int(limit) if limit.isdigit() else None
        fields = params.get("fields")
        self.fields = str(fields) if fields else None
        self.top = 0
        self.nested = 0
        self._streak = 0

    @property
    def level(self) -> int:
        return self.top + self.nested

    def apply(self) -> dict[str, str]:
        """The ``limit`` and ``fields`` to send now (only those first asked for)."""
        out: dict[str, str] = {}
        if self.limit is not None:
            out["limit"] = str(max(1, self.limit >> self.top))
        if self.fields is not None:
            out["fields"] = _NESTED_LIMIT.sub(
                lambda m: f".limit({max(1, int(m.group(1)) >> self.nested)})", self.fields
            )
        return out

    def _top_can_shrink(self) -> bool:
        return self.limit is not None and (self.limit >> self.top) > 1

    def _nested_can_shrink(self) -> bool:
        return any((int(n) >> self.nested) > 1 for n in _NESTED_LIMIT.findall(self.fields or ""))

    def can_shrink(self) -> bool:
        """Whether some limit is still above 1."""
        return self._top_can_shrink() or self._nested_can_shrink()

    def shrink(self) -> None:
        if self._top_can_shrink():
            self.top += 1
        else:
            self.nested += 1
        self._streak = 0

    def succeeded(self) -> None:
        if self.level == 0:
            return
        self._streak += 1
        if self._streak >= GROW_AFTER:
            if self.nested:
                self.nested -= 1
            else:
                self.top -= 1
            self._streak = 0
