"""Meta's refusal of answers that hold too much: code 1, whatever the nesting."""

from __future__ import annotations

from typing import Any

from .failures import GraphFailure

#: Objects (nodes in ``data`` lists, at any depth) one answer may hold by default.
DEFAULT_MAX_OBJECTS = 5_000
TOO_MUCH_DATA = "Please reduce the amount of data you're asking for, then retry your request"


def count_objects(body: Any) -> int:
    """The objects an answer holds: every item of every ``data`` list, nested ones included."""
    found = 0
    waiting = [body]  # containers still to look into: a loop, not a call per container
    while waiting:
        node = waiting.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, list):
                    if key == "data":
                        found += len(value)
                    waiting.append(value)
                elif isinstance(value, dict):
                    waiting.append(value)
        elif isinstance(node, list):
            waiting.extend(item for item in node if isinstance(item, (dict, list)))
    return found


def size_bound(text: str) -> int:
    """At least as many objects as the JSON ``text`` holds, without parsing it: every item of
    a list but the first follows a comma, so a list's items are at most its commas plus one."""
    return text.count(",") + text.count("[")


def check_size(count: int, limit: int | None) -> None:
    """Refuse as Meta does (HTTP 500, code 1, transient) an answer over ``limit`` objects."""
    if limit is not None and count > limit:
        raise GraphFailure(1, TOO_MUCH_DATA, status=500, transient=True)
