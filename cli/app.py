"""The shared `jobalerts` Typer app and the helpers every command uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import duckdb
import typer

from core.errors import JobAlertsError
from core.settings import REPO_ROOT, get_settings

app = typer.Typer(help="ClinOps Job Alerts: clinical-operations job alerts.", no_args_is_help=True)
SAMPLE_DIR = REPO_ROOT / "sample"
F = TypeVar("F", bound=Callable[..., Any])

DbOption = Annotated[Path | None, typer.Option("--db", help="Warehouse file.")]


def fail(message: str) -> None:
    """Print a one-line error and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def friendly_errors(fn: F) -> F:
    """Turn expected failures into one clear line and exit code 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (JobAlertsError, duckdb.Error, FileNotFoundError, ValueError) as error:
            fail(str(error).splitlines()[0] if str(error) else error.__class__.__name__)

    return wrapper  # type: ignore[return-value]


def db_path(db: Path | None) -> Path:
    """The warehouse path: the option, else the settings."""
    return db or get_settings().db_path


def as_str(path: Path | None) -> str | None:
    """A path as a flow parameter string, or None."""
    return str(path) if path else None
