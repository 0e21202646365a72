"""Read Meta's usage headers (``X-App-Usage``, ``X-Business-Use-Case-Usage``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class AccountUsage:
    """One Instagram account's usage (BUC): its highest percentage and minutes-to-regain."""

    percent: int = 0
    regain_seconds: float = 0.0


@dataclass(frozen=True)
class Usage:
    """What one response's usage headers say: the app's percentage (``X-App-Usage``) and each
    account's (``X-Business-Use-Case-Usage``, keyed by Instagram account id). ``percent`` and
    ``regain_seconds`` are the worst of them, for errors."""

    percent: int = 0
    regain_seconds: float = 0.0
    app_percent: int = 0
    accounts: Mapping[str, AccountUsage] = field(default_factory=dict)


def parse_usage(headers: Mapping[str, str]) -> Usage:
    """Read both headers; malformed values count as no information."""
    return _parse(headers.get("X-App-Usage"), headers.get("X-Business-Use-Case-Usage"))


@lru_cache(maxsize=1024)  # the same header values come back on most operations of a batch
def _parse(app_header: str | None, buc_header: str | None) -> Usage:
    app = _json(app_header)
    values = app.values() if isinstance(app, dict) else ()
    app_percent = max((int(v) for v in values if isinstance(v, int | float)), default=0)
    accounts: dict[str, AccountUsage] = {}
    buc = _json(buc_header)
    if isinstance(buc, dict):
        for account, entries in buc.items():
            accounts[str(account)] = _account(entries)
    return Usage(
        max([app_percent, *(a.percent for a in accounts.values())]),
        max((a.regain_seconds for a in accounts.values()), default=0.0),
        app_percent,
        accounts,
    )


def _account(entries: object) -> AccountUsage:
    percents: list[int] = []
    regain = 0.0
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        for key in ("call_count", "total_cputime", "total_time"):
            if isinstance(entry.get(key), int | float):
                percents.append(int(entry[key]))
        minutes = entry.get("estimated_time_to_regain_access")
        if isinstance(minutes, int | float):
            regain = max(regain, float(minutes) * 60)
    return AccountUsage(max(percents, default=0), regain)


def _json(value: str | None) -> object:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
