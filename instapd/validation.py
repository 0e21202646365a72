"""Checks on what enters instapd from outside: Graph ids and URLs that carry secrets.

>>> graph_id("17841400000000001", "BusinessAccountId")
'17841400000000001'
>>> is_loopback("http://[::1]:8080/")
True
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from .errors import UsageError

_ID = re.compile(r"[0-9]{1,40}")


def is_graph_id(value: object) -> bool:
    """True for a Graph id: a string of ASCII digits (no signs, spaces or other scripts)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def graph_id(value: object, name: str, error: type[UsageError] = UsageError) -> str:
    """``value`` as a Graph id, or ``error`` naming ``name`` and the fix."""
    text = str(value).strip() if isinstance(value, str | int) and value is not True else None
    if isinstance(value, bool) or text is None or not is_graph_id(text):
        raise error(
            f"{name} must be a Graph id (ASCII digits only, such as 17841400000000001), "
            f"not {_shown(value)}."
        )
    return text


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, or an IP address on the loopback interface (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False


def web_url(value: object, name: str) -> SplitResult:
    """An ``http(s)://host[:port]/...`` URL, parsed; a malformed one names ``name``."""
    text = str(value).strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port outside 0-65535 or not a number
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{name} must be a URL such as https://host/path, not {_shown(value)}. "
            "Check the scheme, host and port."
        )
    del port  # 0 is allowed: a loopback listener then picks a free port
    if any(c.isspace() for c in text):
        raise UsageError(f"{name} {_shown(value)} contains spaces; fix the URL.")
    return parts


def secure_url(value: object, name: str) -> str:
    """A URL that will carry a token, code or secret: HTTPS, or plain HTTP to loopback only."""
    parts = web_url(value, name)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise UsageError(
            f"{name} {_shown(value)} is plain HTTP to another machine: tokens and secrets would "
            "travel unencrypted. Use https:// (plain http is allowed for localhost only)."
        )
    return str(value).strip()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def inside(root: Path, path: Path, refusal: str) -> Path:
    """``path``, once it resolves (links followed) to a place under ``root``; else a
    :class:`UsageError` of ``refusal``, formatted with ``path`` and the resolved ``root``."""
    resolved = root.resolve()
    if not path.resolve().is_relative_to(resolved):
        raise UsageError(refusal.format(path=path, root=resolved))
    return path


__all__ = [
    "graph_id",
    "inside",
    "is_graph_id",
    "is_loopback",
    "is_loopback_host",
    "secure_url",
    "web_url",
]
