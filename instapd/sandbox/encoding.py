"""JSON as the sandbox sends it: compact, ASCII only (``json.dumps(value, separators=(",", ":"))``,
byte for byte), written by orjson at a fraction of the standard library's cost.

orjson writes the same text as the standard library for what the sandbox answers with (dicts of
str keys, lists, str, int, bool, None) but for three things, each handled here: it leaves
non-ASCII characters (and DEL) as they are, where ``ensure_ascii`` escapes them (escaped
afterwards, only in the answers that have any); it writes floats under 1e-4 in another form
(such an answer is written by the standard library instead); and it refuses what the standard
library converts (non-str keys, ints past 64 bits, subclasses), which is written by the
standard library too. Only NaN and infinities differ (orjson writes ``null``, the standard
library ``NaN``, which is no JSON); no Graph answer holds one.
"""

from __future__ import annotations

import codecs
import json
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

import orjson

#: The standard library's writer, compact; answers are trees, never circular.
_STANDARD = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
#: Datetimes, dataclasses and subclasses of str, int, dict or list are refused (TypeError), so
#: that the standard library writes them as it would (or refuses them as it would).
_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
#: A float orjson writes otherwise than ``repr``: under 1e-4, as ``0.00001`` (not ``1e-05``) or
#: ``1e-7`` (not ``1e-07``; exponents of two digits are written alike). Text that merely looks
#: so is harmless: that answer is only written by the standard library instead.
_DIGITS = frozenset(b"0123456789")


def _small_float(written: bytes) -> bool:
    """Whether ``written`` has a digit, ``e-``, one digit and no other (``1e-7``): each ``e-``
    looked at (a regex search of a whole answer costs more than writing it)."""
    at = written.find(b"e-")
    while at >= 0:
        if (
            at
            and written[at - 1] in _DIGITS
            and written[at + 2 : at + 3].isdigit()
            and not written[at + 3 : at + 4].isdigit()
        ):
            return True
        at = written.find(b"e-", at + 2)
    return False


_ESCAPING = "instapd-json-ascii"


def _escape(error: UnicodeError) -> tuple[str, int]:
    """The characters ASCII cannot encode as ``ensure_ascii`` writes them: ``\\uXXXX``, a
    surrogate pair past U+FFFF (a codec error handler: one call per run of them)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    written = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code < 0x10000:
            written.append(f"\\u{code:04x}")
        else:
            code -= 0x10000
            written.append(f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}")
    return "".join(written), error.end


codecs.register_error(_ESCAPING, _escape)


def dumps_bytes(value: Any) -> bytes:
    """``value`` as compact ASCII JSON, the same bytes as the standard library writes."""
    try:
        written = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one
        return _STANDARD(value).encode()
    if b"0.0000" in written or _small_float(written):
        return _STANDARD(value).encode()
    if b"\x7f" in written:  # DEL, which ensure_ascii escapes too (rare enough to re-write)
        return _STANDARD(value).encode()
    if not written.isascii():
        return written.decode().encode("ascii", _ESCAPING)
    return written


def dumps(value: Any) -> str:
    """``value`` as compact ASCII JSON text (:func:`dumps_bytes`, decoded)."""
    return dumps_bytes(value).decode()


def quoted(text: str) -> bytes:
    """``text`` as a JSON string, as ``json.dumps(text)`` writes it. JSON that :func:`dumps`
    wrote holds no character past ``~``, which orjson would leave unescaped, so orjson quotes
    it; other text is quoted by the standard library."""
    if text.isascii() and "\x7f" not in text:
        return orjson.dumps(text)
    return _quote(text).encode()
