"""Source commands: sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, friendly_errors
from cli.output import print_rows
from core.settings import get_settings


@app.command("sources")
@friendly_errors
def list_sources(
    file: Annotated[Path | None, typer.Option("--file", help="Sources file.")] = None,
) -> None:
    """List the configured sources."""
    from sources.registry import load_sources

    rows = [
        (s.name, s.kind, s.board, s.company, s.region, s.enabled)
        for s in load_sources(file or get_settings().sources_file)
    ]
    print_rows(["name", "kind", "board", "company", "region", "enabled"], rows, "table")
