"""A random application secret kept in a file beside the warehouse (owner-only permissions).

For what must be signed rather than stored (the web app's CSRF tokens): generated on first
use, never the shipped placeholder, never printed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.errors import ConfigError

SECRET_BYTES = 32
FILE_NAME = "app-secret"


def secret_path(db_path: Path) -> Path:
    """`app-secret` in the warehouse's folder."""
    return db_path.with_name(FILE_NAME)


def app_secret(path: Path) -> bytes:
    """The secret in `path`, created (0600, random) when missing; refuses a readable-by-others
    or too short file."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(SECRET_BYTES).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    return value


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(f"{path} must be readable by its owner only (chmod 600), not {mode:o}")
    value = path.read_bytes().strip()
    if len(value) < SECRET_BYTES:
        raise ConfigError(f"{path} holds too short a secret: delete it to make a new one")
    return value
