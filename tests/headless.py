"""Headless Chromium for the browser tests: Debian's binaries, a private home, no network."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# Flags that keep Chromium quiet and offline: it reaches 127.0.0.1 and nothing else.
OFFLINE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


def private_home(home: Path) -> dict[str, str]:
    """An environment whose HOME and XDG folders are under `home` (created), so Chromium
    writes nothing elsewhere; its profile goes to `home / "profile"`."""
    folders = {"XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache", "XDG_DATA_HOME": "data"}
    folders["XDG_RUNTIME_DIR"] = "runtime"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    for variable, name in folders.items():
        (home / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(home / name)
    return env


def profile_flag(home: Path) -> str:
    return f"--user-data-dir={home / 'profile'}"
