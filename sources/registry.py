"""What to watch: the sources file, validated, and the connector for each kind of board.

A kind `k` is served by the module `sources/k.py` (function `fetch_board`) and mapped by
`parsers/boards/k.py` (function `parse_payload`); both are found by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import requests
import yaml

from core.errors import ConfigError
from core.models import RawPayload, SourceRef
from sources.options import FetchOptions

Connector = Callable[[requests.Session, SourceRef, FetchOptions], list[RawPayload]]
REQUIRED = ("name", "kind", "board", "company")


@lru_cache(maxsize=1)
def known_kinds() -> list[str]:
    """Every kind of board: a module of `sources/` with a `fetch_board` (helpers have none)."""
    folder = Path(__file__).parent
    stems = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    return [s for s in stems if hasattr(importlib.import_module(f"sources.{s}"), "fetch_board")]


def _source_from(entry: object, path: Path, index: int, kinds: list[str]) -> SourceRef:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: source #{index + 1} must be a mapping")
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise ConfigError(f"{path}: source #{index + 1} lacks {', '.join(missing)}")
    if entry["kind"] not in kinds:
        raise ConfigError(
            f"{path}: source {entry['name']!r} has unknown kind {entry['kind']!r} "
            f"(known: {', '.join(kinds)})"
        )
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{path}: source {entry['name']!r}: params must be a mapping")
    return SourceRef(
        name=str(entry["name"]),
        kind=str(entry["kind"]),
        board=str(entry["board"]),
        company=str(entry["company"]),
        enabled=bool(entry.get("enabled", True)),
        region=str(entry.get("region", "global")),
        url=str(entry.get("url", "")),
        params=params,
    )


def load_sources(path: Path) -> list[SourceRef]:
    """Every source in the file, validated; raises ConfigError with the file and entry."""
    if not path.exists():
        raise ConfigError(f"sources file {path} not found")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    entries = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a top-level 'sources' list")
    kinds = known_kinds()
    sources = [_source_from(e, path, i, kinds) for i, e in enumerate(entries)]
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate source names: {', '.join(duplicates)}")
    return sources


def lists_whole_board(kind: str) -> bool:
    """True when a kind's fetch lists every open posting of the board (not a search)."""
    return bool(getattr(importlib.import_module(f"sources.{kind}"), "LISTS_WHOLE_BOARD", False))


def connector_for(kind: str) -> Connector:
    """The fetch function of a kind of board."""
    module = importlib.import_module(f"sources.{kind}")
    connector: Connector = module.fetch_board
    return connector
