"""What to watch: the sources file, validated, and the connector for each kind of board.

A kind is a module of `sources/boards/` found by contract (as scrapy finds spiders): it
defines `KIND = "<name>"` and `pages(session, source, options)`, a generator of raw payloads
(`sources/paging.py`); `LISTS_WHOLE_BOARD = True` when each fetch lists every open posting.
Its payloads are mapped by `parsers/boards/<kind>.py` (`parse_payload`). Two modules
claiming one kind, a module without the contract, or a kind without its parser module is a
ConfigError naming them.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import requests
import yaml

from core.errors import ConfigError
from core.models import SourceRef
from sources.options import FetchOptions
from sources.paging import Pages

Connector = Callable[[requests.Session, SourceRef, FetchOptions], Pages]
REQUIRED = ("name", "kind", "board", "company")
BOARDS = "sources.boards"
PARSERS = "parsers.boards"


def discover(package: str, parsers: str) -> dict[str, ModuleType]:
    """kind -> module of every board module in `package` (ConfigError on a broken contract:
    a module without `KIND` and `pages`, a kind claimed twice, a kind with no parser)."""
    found: dict[str, ModuleType] = {}
    root = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        kind = _kind_of(module)
        if kind in found:
            raise ConfigError(
                f"board kind {kind!r} is defined twice: {found[kind].__name__} "
                f"and {module.__name__}"
            )
        found[kind] = module
    for kind in found:
        if importlib.util.find_spec(f"{parsers}.{kind}") is None:
            raise ConfigError(f"board kind {kind!r} has no parser module {parsers}.{kind}")
    return found


def _kind_of(module: ModuleType) -> str:
    """The kind a board module declares; ConfigError when it breaks the contract."""
    kind = getattr(module, "KIND", None)
    if not isinstance(kind, str) or not kind or not callable(getattr(module, "pages", None)):
        raise ConfigError(
            f"{module.__name__} is not a board module: it needs KIND (a name) and pages()"
        )
    return kind


@lru_cache(maxsize=1)
def boards() -> dict[str, ModuleType]:
    """kind -> module of every board this installation knows."""
    return discover(BOARDS, PARSERS)


def known_kinds() -> list[str]:
    """Every kind of board, sorted."""
    return sorted(boards())


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
    return bool(getattr(boards()[kind], "LISTS_WHOLE_BOARD", False))


def connector_for(kind: str) -> Connector:
    """The `pages` generator function of a kind of board."""
    connector: Connector = boards()[kind].pages
    return connector
