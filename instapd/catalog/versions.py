"""Graph API versions as data: when each came out, until when Meta serves it, what it changed.

A version stops working two years after the *next* one came out; a call to an expired version is
served by the oldest one still available (graph-api.md section 7). Instagram's metric changes
mostly apply to every version at once, so they live in :mod:`.metrics`, not here.

>>> served_versions(date(2026, 12, 1))
('v21.0', 'v22.0', 'v23.0', 'v24.0', 'v25.0', 'v26.0', 'v27.0')
>>> serving_version("v19.0", date(2026, 12, 1))
'v21.0'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SOURCE = "graph-api.md section 7 (Meta's versions table, B26/B27 blog posts)"


@dataclass(frozen=True)
class ApiVersion:
    """One Graph API version: its release, its end (None: not announced), what it changed."""

    name: str
    released: date
    available_until: date | None
    changes: tuple[str, ...] = ()

    @property
    def major(self) -> int:
        return int(self.name[1:].split(".")[0])


VERSIONS: tuple[ApiVersion, ...] = (
    ApiVersion("v18.0", date(2023, 9, 12), date(2026, 1, 26)),
    ApiVersion("v19.0", date(2024, 1, 23), date(2026, 5, 21)),
    ApiVersion("v20.0", date(2024, 5, 21), date(2026, 9, 24)),
    ApiVersion(
        "v21.0",
        date(2024, 10, 2),
        date(2027, 1, 21),
        ("media video_views and the profile_views/website_clicks family of user metrics retired",),
    ),
    ApiVersion(
        "v22.0",
        date(2025, 1, 21),
        date(2027, 5, 20),
        ("views introduced; impressions, plays, clips_replays_count retired",),
    ),
    ApiVersion("v23.0", date(2025, 5, 29), date(2027, 10, 8)),
    ApiVersion("v24.0", date(2025, 10, 8), date(2028, 2, 18)),
    ApiVersion("v25.0", date(2026, 2, 18), date(2028, 7, 29)),
    ApiVersion(
        "v26.0",
        date(2026, 7, 29),
        None,
        ("multi-ID reads (GET /?ids=a,b) refused: read each object or send a batch",),
    ),
    ApiVersion(
        "v27.0",
        date(2026, 11, 4),
        None,
        (
            "multi-ID reads, field aliases, method override, JSONP and async batch refused for "
            "apps created from 2026-11-04",
        ),
    ),
)
BY_NAME = {v.name: v for v in VERSIONS}
LATEST = VERSIONS[-1].name
#: The version instapd calls unless told otherwise: the one Meta's reference pages document.
DEFAULT = "v25.0"
#: The first version that refuses multi-ID reads (``GET /?ids=``).
MULTI_ID_RETIRED_IN = 26


def served_versions(today: date) -> tuple[str, ...]:
    """The versions Meta answers on ``today`` (released, not yet expired)."""
    return tuple(
        v.name
        for v in VERSIONS
        if v.released <= today and (v.available_until is None or today < v.available_until)
    )


def serving_version(name: str, today: date) -> str | None:
    """The version that answers a call to ``name``: itself, the oldest served one if ``name``
    expired, or None when Meta never released it (a future or made-up version)."""
    version = BY_NAME.get(name)
    if version is None or version.released > today:
        return None
    served = served_versions(today)
    return name if name in served else served[0]
