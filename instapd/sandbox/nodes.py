"""The sandbox's object model: nodes (Graph objects) with field values and edges, in a
:class:`Dataset` that also holds the sandbox's one :class:`~.clock.Clock`.

Data only: :mod:`.data` seeds a dataset, :mod:`.media` adds the media published later,
:mod:`.details` and :mod:`.insights` read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from .clock import Clock


class _kept:
    """``functools.cached_property`` without its lock (Python 3.11 takes one lock for every
    instance): the value is kept in the instance's ``__dict__`` at its first read, so later
    reads never call it. Two threads reading first both compute the same value."""

    def __init__(self, read: Callable[[Any], str]) -> None:
        self.read, self.name = read, read.__name__
        self.__doc__ = read.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _kept: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> str: ...
    def __get__(self, instance: object, owner: type | None = None) -> _kept | str:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.read(instance)
        return value


@dataclass(frozen=True)
class Ref:
    """A field whose value is another node (``owner``, ``instagram_business_account``)."""

    id: str


@dataclass
class Node:
    """One Graph object: its type, field values, and edges (ordered lists of node ids)."""

    type: str
    values: dict[str, Any]
    edges: dict[str, list[str]] = field(default_factory=dict)

    @_kept
    def id(self) -> str:
        """``values["id"]`` as text, read once: a node's id never changes (and is read at every
        render, seed and owner check)."""
        return str(self.values["id"])


@dataclass
class Dataset:
    """All nodes by id, plus who the sandbox's default user is."""

    nodes: dict[str, Node]
    user_id: str
    page_ids: list[str]
    account_ids: list[str]
    now: datetime
    public_ids: list[str] = field(default_factory=list)  # business accounts not linked to the user
    business_id: str = ""  # the Business Manager portfolio that owns or manages the accounts
    system_user_id: str = ""  # that business's system user
    #: Fractions of a follower each account has gained so far (``changes.grow_followers``).
    follower_carry: dict[str, float] = field(default_factory=dict, repr=False)
    #: The sandbox's one clock: ``Sandbox.advance`` moves it; insights, publishing, stories and
    #: rate limits all read it. It starts at ``now``, when the data was seeded.
    clock: Clock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.clock = Clock(self.now)

    def find_user(self, username: str) -> Node | None:
        """An Instagram business or creator account by username."""
        for node_id in (*self.account_ids, *self.public_ids):
            if self.nodes[node_id].values["username"].lower() == username.lower():
                return self.nodes[node_id]
        return None

    def hashtag_media(self, name: str) -> list[Node]:
        """Public media whose caption carries #name, newest first."""
        needle = f"#{name.lower()}"
        found = [
            self.nodes[m]
            for a in self.public_ids
            for m in self.nodes[a].edges.get("media", [])
            if needle in str(self.nodes[m].values.get("caption", "")).lower().split()
        ]
        return sorted(found, key=lambda n: n.values["timestamp"], reverse=True)

    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def get(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def edge(self, node_id: str, edge: str) -> list[Node]:
        return [self.nodes[i] for i in self.nodes[node_id].edges.get(edge, [])]
