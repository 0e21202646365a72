"""Read Meta's usage headers (``X-App-Usage``, ``X-Business-Use-Case-Usage``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    """The highest usage percentage any header reports, and how long until access returns."""

    percent: int = 0
    regain_seconds: float = 0.0


def parse_usage(headers: Mapping[str, str]) -> Usage:
    """Combine both headers; malformed values count as no information."""
    percents: list[int] = []
    regain = 0.0
    app = _json(headers.get("X-App-Usage"))
    if isinstance(app, dict):
        percents += [int(v) for v in app.values() if isinstance(v, int | float)]
    buc = _json(headers.get("X-Business-Use-Case-Usage"))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                for key in ("call_count", "total_cputime", "total_time"):
                    if isinstance(entry.get(key), int | float):
                        percents.append(int(entry[key]))
                minutes = entry.get("estimated_time_to_regain_access")
                if isinstance(minutes, int | float):
                    regain = max(regain, float(minutes) * 60)
    return Usage(max(percents, default=0), regain)


def _json(value: str | None) -> object:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
