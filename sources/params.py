"""A source's list parameters (`params.search: [..]` or one string), read one way."""

from __future__ import annotations

from core.models import SourceRef


def param_list(source: SourceRef, key: str, default: tuple[str, ...] = ()) -> list[str]:
    """`params[key]` as a list of non-blank strings (one string is a list of one), stripped;
    `default` when none is configured."""
    value = source.params.get(key)
    found = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(v).strip() for v in found if str(v).strip()] or list(default)
