"""Keep secrets out of logs that other libraries write: urllib3 logs every URL at DEBUG.

instapd sends the token in a header, but ``appsecret_proof`` must travel as a parameter, and
the Facebook Login endpoints take codes and secrets. This filter masks their values in the
records of the HTTP libraries' loggers before any handler sees them.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = (
    "access_token",
    "appsecret_proof",
    "client_secret",
    "code",
    "fb_exchange_token",
    "input_token",
)
_PATTERN = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(SECRET_PARAMS) + r")=[^&\s\"'#]+")
#: Filters on a logger do not reach its children's records, so each logger that writes URLs is
#: named: urllib3's retry bookkeeping (``urllib3.util.retry``) logs the whole URL at DEBUG.
_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests_oauthlib",
    "oauthlib",
)


def redact(text: str) -> str:
    """``text`` with the values of secret URL parameters replaced by ``***``."""
    return _PATTERN.sub(r"\1=***", text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def install() -> None:
    """Add the filter to the HTTP libraries' loggers (once), and to any other logger of theirs
    already made."""
    made = [n for n in logging.root.manager.loggerDict if n.startswith(("urllib3.", "requests"))]
    for name in (*_LOGGERS, *made):
        target = logging.getLogger(name)
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
