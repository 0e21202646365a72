"""The connection layer: configuration, a Graph client, credentials and the linked accounts.

It knows nothing of reading tables, the cache, widgets or the sandbox. The entry points
(:mod:`instapd.api`) build :class:`instapd.Connection` on :class:`BaseConnection`.
"""

from .accounts import AccountMemo, LinkedAccount
from .attempt import LoginAttempt
from .core import BaseConnection, LocalApi
from .web_login import finish_web_login, start_web_login

__all__ = [
    "AccountMemo",
    "BaseConnection",
    "LinkedAccount",
    "LocalApi",
    "LoginAttempt",
    "finish_web_login",
    "start_web_login",
]
