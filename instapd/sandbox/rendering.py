"""Nodes as JSON: requested fields, nested expansion, edges paged inside a node, times as Meta.

Renders of plain fields are kept per node and fields (the dataset only changes through
``publish``, after which :meth:`Renderer.forget` drops them).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from .call import Call, require
from .cdn import CDN_FIELDS, Cdn
from .failures import nonexisting_field
from .fields import FieldRequest
from .nodes import Dataset, Node, Ref
from .paging import paging_block, window
from .schema import NODE_TYPES, SPECIAL_FIELDS, EdgeType, NodeType


@functools.lru_cache(maxsize=65536)
def format_time(ts: datetime) -> str:
    """The UTC time as ``strftime("%Y-%m-%dT%H:%M:%S+0000")`` writes it, at half its cost
    (``%Y`` pads no year, as ``%d`` does not)."""
    utc = ts.astimezone(UTC)
    fields = (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)
    return "%d-%02d-%02dT%02d:%02d:%02d+0000" % fields  # noqa: UP031 (the fastest way)


@functools.lru_cache(maxsize=1024)
def _plain(node_type: str, fields: tuple[FieldRequest, ...]) -> bool:
    """Whether ``fields`` of a ``node_type`` are plain values only (no edge, no special field),
    so their render depends on the node alone."""
    edges, special = NODE_TYPES[node_type].edges, SPECIAL_FIELDS.get(node_type, ())
    return not any(f.name in edges or f.name in special for f in fields)


class SpecialFields(Protocol):
    """Renders the fields that take modifiers and are no edge (``business_discovery``...)."""

    def special_field(self, node: Node, request: FieldRequest, call: Call) -> Any: ...


class _NoSpecialFields:
    def special_field(self, node: Node, request: FieldRequest, call: Call) -> Any:
        raise nonexisting_field(request.name, node.type)


class Renderer:
    """Renders nodes and edge pages of a dataset; ``specials`` renders the special fields."""

    def __init__(self, dataset: Dataset) -> None:
        self.data = dataset
        self.specials: SpecialFields = _NoSpecialFields()
        self.cdn = Cdn()  # picture links are signed per call (root, window), never kept
        self._rendered: dict[tuple[str, int], dict[str, Any]] = {}
        #: Each distinct fields tuple's number (renders are kept by node and that number: a
        #: tuple of requests hashes in Python, an int does not), and whether it is plain by
        #: node type; the two tuples last numbered, compared by identity (an edge page's items
        #: share one, their nested owners another).
        self._numbers: dict[tuple[FieldRequest, ...], int] = {}
        self._plain: dict[tuple[str, int], bool] = {}
        self._recent: tuple[tuple[tuple[FieldRequest, ...], int], ...] = ()
        self._numbering = threading.Lock()

    def forget(self) -> None:
        """After the dataset changed (a new post): nothing rendered before may be reused."""
        self._rendered.clear()

    def render_node(
        self,
        node: Node,
        fields: Iterable[FieldRequest] | None,
        call: Call,
        *,
        listed: bool,
        expires: int | None = None,
    ) -> dict[str, Any]:
        """``node`` with ``fields``; ``expires``: its picture links' expiry, when the caller
        renders several nodes at once (:meth:`Cdn.expiry` otherwise)."""
        node_type = NODE_TYPES[node.type]
        if fields is None:
            names = (node_type.list_defaults if listed else None) or node_type.defaults
            fields = [FieldRequest(name) for name in names]
        if type(fields) is not tuple:
            fields = tuple(fields)
        number = self._number(fields)
        key = (node.id, number)
        cached = self._rendered.get(key) if node_type.cacheable else None
        if cached is None:
            cached = self._render_fields(node, node_type, fields, call)
            if node_type.cacheable and self._is_plain(node.type, number, fields):
                self._rendered[key] = cached  # plain fields only: nothing depends on the call
        out = dict(cached)
        if not out.keys().isdisjoint(CDN_FIELDS):
            for name in CDN_FIELDS:  # signed per call (root, window), never kept
                if name in out:
                    expires = self.cdn.expiry() if expires is None else expires
                    out[name] = self.cdn.link(call.root, out[name], expires)
        return out

    def _number(self, fields: tuple[FieldRequest, ...]) -> int:
        """The number of ``fields`` (equal tuples, one number), kept for good."""
        recent = self._recent  # one read: other threads replace it whole
        for seen, number in recent:
            if seen is fields:
                return number
        found = self._numbers.get(fields)
        if found is None:
            with self._numbering:
                found = self._numbers.setdefault(fields, len(self._numbers))
        self._recent = ((fields, found), *recent[:1])
        return found

    def _is_plain(self, node_type: str, number: int, fields: tuple[FieldRequest, ...]) -> bool:
        plain = self._plain.get((node_type, number))
        if plain is None:
            plain = self._plain[(node_type, number)] = _plain(node_type, fields)
        return plain

    def _render_fields(
        self, node: Node, node_type: NodeType, fields: tuple[FieldRequest, ...], call: Call
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        special = SPECIAL_FIELDS.get(node.type, ())
        values = node.values
        for request in fields:
            name = request.name
            value = values.get(name)
            if value is not None and not isinstance(value, Ref) and request.subfields is None:
                # the common case, kept cheap: a plain stored value of a known field
                if name not in node_type.fields:
                    raise nonexisting_field(name, node.type)
                out[name] = format_time(value) if isinstance(value, datetime) else value
                continue
            if name in special:
                out[name] = self.specials.special_field(node, request, call)
                continue
            if not node_type.knows(name):
                raise nonexisting_field(name, node.type)
            if name in node_type.edges:
                require(call.token, node_type.edges[name].scopes)  # nested, as on its own
                nested = self.edge_page(
                    node,
                    request.name,
                    node_type.edges[request.name],
                    request.modifiers,
                    request.subfields,
                    call,
                    nested=True,
                )
                if nested["data"]:
                    out[request.name] = nested
                continue
            if request.name not in node.values:
                continue
            out[request.name] = self._render_value(node.values[request.name], request, call)
        out.setdefault("id", node.id)
        return out

    def _render_value(self, value: Any, request: FieldRequest, call: Call) -> Any:
        if isinstance(value, Ref):
            return self.render_node(self.data[value.id], request.subfields, call, listed=False)
        if isinstance(value, datetime):
            return format_time(value)
        if isinstance(value, dict) and request.subfields is not None:
            wanted = {f.name for f in request.subfields}
            return {k: v for k, v in value.items() if k in wanted}
        return value

    def edge_page(
        self,
        node: Node,
        edge: str,
        edge_type: EdgeType,
        modifiers: dict[str, str],
        subfields: Iterable[FieldRequest] | None,
        call: Call,
        *,
        nested: bool = False,
        items: list[Node] | None = None,
        added: Mapping[str, Callable[[Node], Any]] | None = None,
    ) -> dict[str, Any]:
        """One page of an edge (``items`` when given), with the real API's cursors and links.
        ``added``: fields the edge adds to each node it lists (``permitted_tasks`` of a
        business's client accounts), by name, each from the listed node."""
        if items is None:
            items = self.data.edge(node.id, edge)
        shown = window(items, modifiers, edge_type)
        subfields = list(subfields) if subfields is not None else None
        extra = [f for f in subfields or [] if f.name in (added or {})]
        own = tuple(f for f in subfields if f not in extra) if subfields is not None else None
        expires = self.cdn.expiry()  # one expiry for the page's picture links
        data = [
            self.render_node(item, own, call, listed=True, expires=expires) for item in shown.page
        ]
        if extra:  # render_node's dicts are the caller's own: the added fields go in them
            for item, rendered in zip(shown.page, data, strict=True):
                rendered.update({f.name: (added or {})[f.name](item) for f in extra})
        body: dict[str, Any] = {"data": data}
        if shown.page:
            body["paging"] = paging_block(
                node.id, edge, edge_type, shown, modifiers, subfields, call, nested=nested
            )
        return body
