"""Operations commands: backup, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import DbOption, app, db_path, friendly_errors
from core.settings import get_settings


@app.command()
@friendly_errors
def backup(
    folder: Annotated[Path, typer.Argument(help="Where to create the backup's folder.")],
    db: DbOption = None,
) -> None:
    """Copy the warehouse, the operational store and the files beside them, consistently,
    while flows run; a manifest lists sizes, SHA-256 and row counts (restore: README)."""
    from pipeline.backup import backup as make_backup

    settings = get_settings().model_copy(update={"db_path": db_path(db)})
    manifest = make_backup(settings, folder)
    for item in manifest.files:
        rows = sum(item.rows.values())
        typer.echo(f"{item.name:<40} {item.bytes:>14,} bytes  {rows:>10,} rows  {item.method}")
    for name, reason in manifest.skipped.items():
        typer.echo(f"left out: {name}: {reason}")
    typer.echo(f"backup in {manifest.folder} (manifest.json)")


@app.command()
@friendly_errors
def restore(
    folder: Annotated[Path, typer.Argument(help="A folder made by `jobalerts backup`.")],
    db: DbOption = None,
) -> None:
    """Put a backup back in place: checks every file against the manifest, refuses while a
    worker or web app holds the warehouse, moves the current files aside (never deletes)."""
    from pipeline.backup import restore as put_back

    settings = get_settings().model_copy(update={"db_path": db_path(db)})
    moved = put_back(settings, folder)
    for path in moved:
        typer.echo(f"moved aside: {path}")
    typer.echo(f"restored {folder} into {settings.db_path.parent}")
