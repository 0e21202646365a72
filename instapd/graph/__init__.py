"""HTTP to the Graph API: sessions, paging, retries and typed errors. Knows nothing of pandas."""

from .client import GraphClient, RetryPolicy

__all__ = ["GraphClient", "RetryPolicy"]
