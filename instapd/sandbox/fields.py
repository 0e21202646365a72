"""Parse the Graph API ``fields=`` syntax.

``id,caption,children{id,media_type},comments.limit(10){id,text,replies{id}}`` becomes a list of
:class:`FieldRequest`: a name, its ``.modifier(value)`` calls, and the subfields inside ``{...}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class FieldSyntaxError(ValueError):
    """The ``fields`` parameter does not parse."""


@dataclass(frozen=True)
class FieldRequest:
    name: str
    modifiers: dict[str, str] = field(default_factory=dict, hash=False)
    subfields: tuple[FieldRequest, ...] | None = None

    def __post_init__(self) -> None:
        # worked out once: rendered nodes are kept by their fields, looked up at every item
        object.__setattr__(self, "_hash", hash((self.name, self.subfields)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]


def parse_fields(text: str) -> list[FieldRequest]:
    """Parse a ``fields`` value; raises :class:`FieldSyntaxError` on unbalanced input."""
    parser = _Parser(text)
    fields = parser.field_list()
    if parser.pos != len(text):
        raise FieldSyntaxError(f"Syntax error at character {parser.pos} of fields")
    return fields


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def field_list(self) -> list[FieldRequest]:
        fields = []
        while self.pos < len(self.text) and self.text[self.pos] != "}":
            if self.text[self.pos] == ",":
                self.pos += 1
                continue
            fields.append(self.one_field())
        return fields

    def one_field(self) -> FieldRequest:
        name = self.word()
        modifiers: dict[str, str] = {}
        while self.peek() == ".":
            self.pos += 1
            key = self.word()
            self.expect("(")
            end = self.text.find(")", self.pos)
            if end < 0:
                raise FieldSyntaxError(f"Unclosed '(' after {name}.{key}")
            modifiers[key] = self.text[self.pos : end]
            self.pos = end + 1
        subfields = None
        if self.peek() == "{":
            self.pos += 1
            subfields = tuple(self.field_list())
            self.expect("}")
        return FieldRequest(name.strip(), modifiers, subfields)

    def word(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ".,{}()":
            self.pos += 1
        if start == self.pos:
            raise FieldSyntaxError(f"Expected a field name at character {start}")
        return self.text[start : self.pos]

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise FieldSyntaxError(f"Expected '{char}' at character {self.pos}")
        self.pos += 1


def format_fields(fields: tuple[FieldRequest, ...] | list[FieldRequest]) -> str:
    """The inverse of :func:`parse_fields`."""
    return ",".join(_format_one(f) for f in fields)


def _format_one(request: FieldRequest) -> str:
    text = request.name + "".join(f".{k}({v})" for k, v in request.modifiers.items())
    if request.subfields is not None:
        text += "{" + format_fields(request.subfields) + "}"
    return text


def parse_list(text: str) -> list[str]:
    """A list parameter (``metric``, ``breakdown``): ``a,b`` or, as Meta's SDK sends it, JSON."""
    text = text.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError:
            items = None
        if isinstance(items, list):
            return [str(v).strip() for v in items if str(v).strip()]
    return [v.strip() for v in text.split(",") if v.strip()]
