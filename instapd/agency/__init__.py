"""Running many accounts: their health at a glance, and the accounts a business manages.

:func:`health` and :func:`business_accounts` take a connection; ``instapd.health`` and
``instapd.business_accounts`` are the public spellings (default connection).
"""

from .business import business_accounts
from .health import HEALTH_COLUMNS, health

__all__ = ["HEALTH_COLUMNS", "business_accounts", "health"]
