"""The library's hints, said the CLI's way: ``--account NAME`` where the library says
``account=...``, ``instapd tables`` where it says ``instapd.tables()``. Errors and warnings
pass through :func:`for_cli` before they are printed."""

from __future__ import annotations

import re

#: (pattern, replacement), applied in order: the longer phrases first.
_REWRITES: tuple[tuple[str, str], ...] = (
    (
        r"choose one with account=\.\.\. \(or BusinessAccountId, or account='all'\)",
        "choose one with --account NAME (or --account all, or set INSTAPD_BUSINESS_ACCOUNT_ID)",
    ),
    (r"\baccount=<id>", "--account ID"),
    (r"\baccount='all'", "--account all"),
    (r"\baccount=\.\.\.", "--account NAME"),
    (r"\baccounts of this connection \(account=\)", "accounts given with --account"),
    (r"(?<![\w-])account= takes", "--account takes"),
    (r"instapd\.tables\(\)", "instapd tables"),
    (r"instapd\.describe\(['\"]?(\w+)['\"]?\)", r"instapd describe \1"),
    (r"instapd\.login\(\)", "instapd login"),
    (r"instapd\.logout\(\)", "instapd logout"),
    (r"\bon_error='raise'", "--filter on_error=raise"),
    (r"\bolder_than\b", "--older-than"),
    (r"(?<![\w-])competitors= takes Instagram usernames", "--competitor takes Instagram usernames"),
    (r", or a timedelta,", ","),
    (r" \(or pass OAuthAccessToken=\.\.\.\)", ""),
    (r"or set INSTAPD_SANDBOX=1 to use", "or pass --sandbox to use"),
)
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement in _REWRITES)


def for_cli(message: str) -> str:
    """``message`` with the library's Python spellings replaced by flags and commands.

    >>> for_cli("Unknown table 'Medai'. instapd.tables() lists all 37 tables.")
    "Unknown table 'Medai'. instapd tables lists all 37 tables."
    """
    for pattern, replacement in _COMPILED:
        message = pattern.sub(replacement, message)
    return message
