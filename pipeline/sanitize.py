"""Text from boards made valid in one place, the parse boundary: what DuckDB or email refuse
is replaced, never dropped with its posting.

- Lone UTF-16 surrogates (the JSON escape "\\udc80" decodes to one; DuckDB cannot encode it)
  and the non-characters U+FFFE / U+FFFF become U+FFFD, the replacement character.
- NUL and the other C0 control characters (but tab, newline and carriage return) and DEL
  become a space: mail transports and terminals refuse or misread them.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T")

REPLACEMENT = "\ufffd"
_INVALID = re.compile("[\ud800-\udfff\ufffe\uffff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_BAD = re.compile("[\ud800-\udfff\ufffe\uffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In JSON text: an escaped backslash (kept as it is), a surrogate pair (kept), or a lone
# surrogate escape (replaced). Scanning left to right keeps "\\\\udc80" (literal text) intact.
_JSON_ESCAPE = re.compile(
    rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"
)


def clean_text(text: str) -> str:
    """The text with surrogates and non-characters replaced, control characters as spaces."""
    if _ANY_BAD.search(text) is None:
        return text
    return _CONTROLS.sub(" ", _INVALID.sub(REPLACEMENT, text))


def cleaned(value: T) -> T:
    """`value` with every string inside it cleaned: dataclasses, lists, tuples, dicts."""
    result: T = _clean(value)
    return result


def _clean(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value if _ANY_BAD.search(value) is None else clean_text(value)
    if kind in _ATOMS:
        return value
    if kind in _FIELDS:  # a dataclass seen before
        return _clean_dataclass(value)
    if isinstance(value, str):
        return clean_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _clean_dataclass(value)
    if isinstance(value, list | tuple):
        items = [_clean(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        pairs = {_clean(k): _clean(v) for k, v in value.items()}
        same = all(k in value and value[k] is v for k, v in pairs.items())
        return value if same and len(pairs) == len(value) else pairs
    return value


# Values with no text inside: returned as they are, without looking further.
_ATOMS = frozenset({int, float, bool, type(None), bytes, datetime, date})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _clean_dataclass(value: Any) -> Any:
    """A dataclass instance with its fields cleaned (the same object when nothing changed)."""
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    changes = {}
    for name in names:
        old = getattr(value, name)
        new = _clean(old)
        if new is not old:
            changes[name] = new
    return dataclasses.replace(value, **changes) if changes else value


def _json_escape(match: re.Match[bytes]) -> bytes:
    token = match.group(0)
    return token if len(token) != 6 else rb"\ufffd"


# A surrogate escape outside a pair: only then is the body rewritten. This quick scan does not
# know escaped backslashes, so it may see one too many (then the exact rewrite runs) or miss a
# lone one after the text of an escaped one (then `cleaned` mends the decoded strings).
_LONE_SURROGATE = re.compile(
    rb"\\u[dD](?:[89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"  # high, no low after it
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD])[c-fC-F][0-9a-fA-F]{2})"  # low, no high before
)


def clean_json_escapes(body: bytes) -> bytes:
    """JSON bytes with each lone surrogate escape (\\udc80) written as \\ufffd; pairs kept
    (a body without lone ones is returned as it is)."""
    if b"\\u" not in body or not _LONE_SURROGATE.search(body):
        return body
    return _JSON_ESCAPE.sub(_json_escape, body)
