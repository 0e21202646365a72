"""The Instagram business accounts linked to the user's Facebook Pages, and ``account=``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import AccountError, InvalidParameterError
from ..validation import is_graph_id

if TYPE_CHECKING:
    from ..graph import GraphClient

PAGE_FIELDS = "id,name,instagram_business_account{id,username}"


@dataclass(frozen=True)
class LinkedAccount:
    """An Instagram business account linked to one of the user's Facebook Pages."""

    id: str
    username: str
    page_id: str
    page_name: str


class AccountMemo(Protocol):
    """Where the linked accounts are kept between sessions (the cache folder), for offline use."""

    def linked_accounts(
        self, source: str, max_age: float | None = None
    ) -> list[dict[str, str]] | None: ...

    def remember_accounts(self, source: str, accounts: list[dict[str, str]]) -> None: ...


def fetch_linked(client: GraphClient) -> list[LinkedAccount]:
    """The linked accounts, read from ``me/accounts`` (every page of it)."""
    found = []
    for page in client.pages("me/accounts", {"fields": PAGE_FIELDS, "limit": 100}):
        found += linked_from(page.data)
    return found


def linked_from(pages: list[dict[str, Any]]) -> list[LinkedAccount]:
    """The Instagram accounts of ``me/accounts`` items (Pages without one are skipped)."""
    found = []
    for item in pages:
        linked = item.get("instagram_business_account")
        if isinstance(linked, dict) and linked:
            found.append(
                LinkedAccount(
                    answered_id(linked.get("id"), "an Instagram business account"),
                    str(linked.get("username", "")),
                    answered_id(item.get("id"), "a Page"),
                    str(item.get("name", "")),
                )
            )
    return found


def answered_id(value: object, what: str) -> str:
    """An id the API answered with, checked before it names a path or a cache folder."""
    if not is_graph_id(value):
        raise InvalidParameterError(
            f"The Graph API answered with an id for {what} that is not a string of digits "
            f"({str(value)[:40]!r}); refusing to use it. Check GraphURL points at the Graph API."
        )
    return str(value)


def remembered(items: list[dict[str, str]]) -> list[LinkedAccount] | None:
    """Linked accounts read back from the cache folder; None when any entry is malformed."""
    try:
        accounts = [LinkedAccount(**item) for item in items]
    except TypeError:
        return None
    ok = all(is_graph_id(a.id) and is_graph_id(a.page_id) for a in accounts)
    return accounts if ok else None


def only_account(linked: list[LinkedAccount]) -> str:
    """The account to read when none is named: the only linked one."""
    if len(linked) == 1:
        return linked[0].id
    if not linked:
        raise AccountError(
            "No Instagram business account is linked to this user's Facebook Pages. "
            "Link one in the Page settings, or pass account=<id>."
        )
    raise AccountError(
        "Several Instagram business accounts are linked; choose one with account=... "
        "(or BusinessAccountId, or account='all'): " + listing(linked)
    )


def account_named(account: str, linked: list[LinkedAccount]) -> str:
    """The id of ``account``: an id as given, or the linked account with that username."""
    for candidate in linked:
        if candidate.username.lower() == account.lstrip("@").lower():
            return candidate.id
    raise AccountError(
        f"No linked account is called {account!r}. Linked accounts: " + (listing(linked) or "none")
    )


def listing(accounts: list[LinkedAccount]) -> str:
    return ", ".join(f"{a.id} (@{a.username})" for a in accounts)
