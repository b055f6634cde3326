"""What to watch: the sources file, validated, and the connector for each kind of board."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests
import yaml

from core.errors import ConfigError
from core.models import RawPayload, SourceRef
from sources import ashby, greenhouse, lever
from sources.options import FetchOptions

Connector = Callable[[requests.Session, SourceRef, FetchOptions], list[RawPayload]]
CONNECTORS: dict[str, Connector] = {
    "ashby": ashby.fetch_board,
    "greenhouse": greenhouse.fetch_board,
    "lever": lever.fetch_board,
}
REQUIRED = ("name", "kind", "board", "company")


def _source_from(entry: object, path: Path, index: int) -> SourceRef:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: source #{index + 1} must be a mapping")
    missing = [k for k in REQUIRED if not entry.get(k)]
    if missing:
        raise ConfigError(f"{path}: source #{index + 1} lacks {', '.join(missing)}")
    if entry["kind"] not in CONNECTORS:
        raise ConfigError(
            f"{path}: source {entry['name']!r} has unknown kind {entry['kind']!r} "
            f"(known: {', '.join(sorted(CONNECTORS))})"
        )
    return SourceRef(
        name=str(entry["name"]),
        kind=str(entry["kind"]),
        board=str(entry["board"]),
        company=str(entry["company"]),
        enabled=bool(entry.get("enabled", True)),
        region=str(entry.get("region", "global")),
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
    sources = [_source_from(e, path, i) for i, e in enumerate(entries)]
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate source names: {', '.join(duplicates)}")
    return sources


def connector_for(kind: str) -> Connector:
    """The fetch function of a kind of board."""
    return CONNECTORS[kind]
