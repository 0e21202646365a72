"""CData's SQL quirks, turned into what the engine reads, before parsing.

- ``[Bracketed]`` identifiers (SQL Server style, as CData writes them) become ``"quoted"`` ones.
  A bracket that follows a value (``tags[1]``) stays an index, and brackets around anything but
  a name (``[1, 2]``) stay DuckDB lists; text in quotes is never touched.
- ``EXEC``/``EXECUTE Procedure Name='value', @Other=?`` is recognised as a call of a stored
  procedure, with its parameters bound.

>>> brackets_to_quotes("SELECT [Id], tags[1] FROM [Media] WHERE [Caption] = '[x]'")
'SELECT "Id", tags[1] FROM "Media" WHERE "Caption" = \\'[x]\\''
>>> parse_exec("EXEC GetOAuthAuthorizationURL AuthMode='WEB', @State=?", ["s1"]).parameters
{'AuthMode': 'WEB', 'State': 's1'}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import TokenType

from ..errors import SqlSyntaxError

#: Tokens after which ``[`` indexes a value rather than opening a name.
_VALUE_ENDS = frozenset(
    {
        TokenType.VAR,
        TokenType.IDENTIFIER,
        TokenType.R_PAREN,
        TokenType.R_BRACKET,
        TokenType.STRING,
        TokenType.NUMBER,
    }
)
_BRACKETED = re.compile(r"\[([A-Za-z_][\w $#@.-]*)\]")
_EXEC = re.compile(r"^\s*EXEC(?:UTE)?\s+(\[[^\]]+\]|[\w.]+)\s*(.*?)\s*;?\s*$", re.I | re.S)
_ARGUMENT = re.compile(r"\s*@?([A-Za-z_]\w*)\s*=\s*('(?:[^']|'')*'|\?|:\w+|[^,\s]+)\s*(?:,|$)")


def brackets_to_quotes(query: str) -> str:
    """``query`` with CData's ``[name]`` identifiers written as ``"name"``."""
    if "[" not in query:
        return query
    from sqlglot.dialects.duckdb import DuckDB  # the engine's dialect tokenizes the same

    try:
        tokens = DuckDB().tokenize(query)
    except TokenError:
        return query  # the parser reports it, with its position
    edits: list[tuple[int, int, str]] = []
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.L_BRACKET:
            continue
        if index and tokens[index - 1].token_type in _VALUE_ENDS:
            continue  # tags[1]: an index
        match = _BRACKETED.match(query, token.start)
        if match:
            name = match[1].strip().replace('"', '""')
            edits.append((match.start(), match.end(), f'"{name}"'))
    for start, end, text in reversed(edits):
        query = query[:start] + text + query[end:]
    return query


@dataclass(frozen=True)
class Exec:
    """A stored procedure call: its name as written and its parameters."""

    procedure: str
    parameters: dict[str, Any]


def parse_exec(query: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Exec | None:
    """The call ``query`` makes, when it is ``EXEC``/``EXECUTE``; None for any other statement."""
    match = _EXEC.match(query) if isinstance(query, str) else None
    if match is None:
        return None
    name, rest = match[1].strip("[]"), match[2].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    given = list(params) if isinstance(params, Sequence) and not isinstance(params, str) else []
    named = params if isinstance(params, Mapping) else {}
    parameters: dict[str, Any] = {}
    position = 0
    while position < len(rest):
        found = _ARGUMENT.match(rest, position)
        if found is None or found.end() == position:
            raise SqlSyntaxError(
                f"Cannot read the parameters of EXEC {name} at {rest[position:][:30]!r}: write "
                "them as Name='value', separated by commas.",
                query=query,
            )
        parameters[found[1]] = _value(found[2], given, named, query)
        position = found.end()
    if given:
        raise SqlSyntaxError(
            f"EXEC {name} has fewer ? placeholders than the {len(params or [])} parameters given.",
            query=query,
        )
    return Exec(name, parameters)


def expand_views(
    tree: exp.Expression,
    views: Mapping[str, Any],
    parse: Callable[[str], exp.Expression],
    *,
    depth: int = 0,
) -> exp.Expression:
    """``tree`` with each user-defined view it names (``UserDefinedViews``) as a CTE of the same
    name, so the reads below it are planned and pushed down like any other."""
    if not views or not isinstance(tree, exp.Query):
        return tree
    defined = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    used = []
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if not table.args.get("db") and name in views and name not in defined:
            used.append(views[name])
            defined.add(name)
    if not used:
        return tree
    if depth > 8:
        raise SqlSyntaxError("User-defined views name each other in a circle.", query=tree.sql())
    for view in used:
        body = expand_views(parse(view.query), views, parse, depth=depth + 1)
        tree = tree.with_(view.name, as_=body, copy=False)
    return tree


def _value(text: str, given: list[Any], named: Mapping[str, Any], query: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if text == "?":
        if not given:
            raise SqlSyntaxError("The EXEC has more ? placeholders than parameters.", query=query)
        return given.pop(0)
    if text.startswith(":"):
        if text[1:] not in named:
            raise SqlSyntaxError(f"No value for the parameter {text}.", query=query)
        return named[text[1:]]
    return text
