"""Real background processes for end-to-end tests: a Prefect server, stopped by PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import REPO
from tests.smtp_server import free_port

BIN = REPO / ".venv" / "bin"
QUIET_PREFECT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


def child_env(home: Path, api_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without JOBALERTS_*/PREFECT_* settings, pointed at `api_url`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("JOBALERTS_", "PREFECT_"))}
    keep.update(QUIET_PREFECT)
    keep.update({"PREFECT_HOME": str(home), "PREFECT_API_URL": api_url, "PWD": str(REPO)})
    keep.update(extra or {})
    return keep


def stop(process: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    """SIGTERM the process group, wait, then SIGKILL what is left."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """Status and text of a GET on the loopback."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return int(response.status), response.read().decode("utf-8", "replace")


def http_post_json(url: str, body: Mapping[str, Any], timeout: float = 10.0) -> Any:
    """POST a JSON body; the decoded JSON answer."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_healthy(api_url: str, process: subprocess.Popen[Any], log: Path, limit: float) -> None:
    """Wait for `/health`; fail with the server's log when it dies or never answers."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited: {log.read_text()[-2000:]}")
        try:
            if http_get(f"{api_url}/health", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server not healthy after {limit}s: {log.read_text()[-2000:]}")


@contextmanager
def prefect_server(home: Path, *, scheduler: bool = False) -> Iterator[str]:
    """`prefect server start` on a free port of 127.0.0.1 with the UI on; yields the API URL.

    The scheduler is off unless asked for: a cron run falling due mid-test would fetch the
    live boards.
    """
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = child_env(home, api_url, {"PREFECT_SERVER_UI_ENABLED": "true"})
    if not scheduler:
        env["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] = "false"
    home.mkdir(parents=True, exist_ok=True)
    log = home / "server.log"
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--analytics-off"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_healthy(api_url, process, log, limit=120)
        yield api_url
    finally:
        stop(process)
