"""The production path, with real processes: `prefect server start`, a process work pool,
`prefect --no-prompt deploy --all` from prefect.yaml, `prefect worker start --run-once`, and
`make serve` (scripts/serve.sh) with the Prefect UI answering."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, SAMPLE
from tests.processes import BIN, child_env, http_get, http_post_json, prefect_server, stop
from tests.smtp_server import free_port
from warehouse.db import connect_reader

pytestmark = pytest.mark.slow
FLOW_RUN_ID = re.compile(r"UUID: ([0-9a-f-]{36})")


class Deployment:
    """A Prefect server with the repo's deployments, and a place for the flows' files."""

    def __init__(self, api_url: str, home: Path, data: Path) -> None:
        self.api_url = api_url
        self.data = data
        self.env = child_env(
            home,
            api_url,
            {
                "JOBALERTS_DB_PATH": str(data / "warehouse.duckdb"),
                "JOBALERTS_OUTBOX_DIR": str(data / "outbox"),
                "JOBALERTS_OPS_URL": f"sqlite:///{data / 'ops.sqlite3'}",
                "JOBALERTS_HTTP_CACHE_DIR": str(data / "http-cache"),
            },
        )

    def cli(self, *args: str, timeout: float = 120) -> str:
        """Run `prefect ...` or `jobalerts ...` from .venv/bin against this server."""
        done = subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{args}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    def trigger(self, name: str, **parameters: str) -> str:
        """`prefect deployment run NAME --param k=v`: the new flow run's id."""
        params = [arg for k, v in parameters.items() for arg in ("--param", f"{k}={v}")]
        out = self.cli("prefect", "deployment", "run", name, *params)
        match = FLOW_RUN_ID.search(out)
        assert match, out
        return match.group(1)

    def work_once(self) -> str:
        """`prefect worker start --pool clinops-process --run-once`: runs what is due."""
        return self.cli("prefect", "worker", "start", "--pool", "clinops-process", "--run-once")

    def flow_run(self, run_id: str) -> dict[str, Any]:
        status, text = http_get(f"{self.api_url}/flow_runs/{run_id}")
        assert status == 200
        return dict(json.loads(text))

    def artifacts(self, run_id: str) -> list[dict[str, Any]]:
        body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
        return list(http_post_json(f"{self.api_url}/artifacts/filter", body))


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("prefect-server")
    data = tmp_path_factory.mktemp("deployed-data")
    with prefect_server(home) as api_url:
        deployment = Deployment(api_url, home, data)
        deployment.cli("prefect", "work-pool", "create", "clinops-process", "--type", "process")
        deployment.cli("prefect", "--no-prompt", "deploy", "--all")
        yield deployment


def test_the_server_serves_the_ui(deployed: Deployment) -> None:
    status, html = http_get(deployed.api_url.removesuffix("/api") + "/")
    assert status == 200
    assert html.lstrip().lower().startswith("<!doctype html>") and "<script" in html


def test_deploy_registers_every_deployment_of_prefect_yaml_with_its_schedule(
    deployed: Deployment,
) -> None:
    found = http_post_json(f"{deployed.api_url}/deployments/filter", {})
    by_name = {d["name"]: d for d in found}
    assert set(by_name) == {"ingest-every-4h", "daily-digest", "weekly-digest"}
    crons = {n: [s["schedule"]["cron"] for s in d["schedules"]] for n, d in by_name.items()}
    assert crons == {
        "ingest-every-4h": ["15 */4 * * *"],
        "daily-digest": ["30 7 * * *"],
        "weekly-digest": ["0 8 * * 1"],
    }
    assert {d["work_pool_name"] for d in found} == {"clinops-process"}


def test_a_worker_runs_ingest_then_the_daily_digest(deployed: Deployment) -> None:
    ingest_id = deployed.trigger(
        "ingest/ingest-every-4h",
        replay_dir=str(SAMPLE),
        sources_file=str(SAMPLE / "sources.yaml"),
    )
    deployed.work_once()
    assert deployed.flow_run(ingest_id)["state_type"] == "COMPLETED"

    db = deployed.data / "warehouse.duckdb"
    con = connect_reader(db)
    try:
        run = con.execute("SELECT flow, status FROM runs WHERE run_id = ?", [ingest_id]).fetchall()
        postings = con.execute("SELECT count(*) FROM postings").fetchone()
    finally:
        con.close()
    assert run == [("ingest", "ok")]
    assert postings is not None and postings[0] > 100

    deployed.cli("jobalerts", "subscribe", "--from", str(SAMPLE / "subscriptions.yaml"))
    digest_id = deployed.trigger("digest/daily-digest")
    deployed.work_once()
    assert deployed.flow_run(digest_id)["state_type"] == "COMPLETED"
    emails = sorted((deployed.data / "outbox").glob("*.eml"))
    assert emails, "the daily digest wrote no email"
    con = connect_reader(db)
    try:
        run = con.execute("SELECT flow, status FROM runs WHERE run_id = ?", [digest_id]).fetchall()
    finally:
        con.close()
    assert run == [("digest-daily", "ok")]

    ingest_report = deployed.artifacts(ingest_id)
    assert [a["type"] for a in ingest_report] == ["markdown"]
    assert "greenhouse-northwindbio" in ingest_report[0]["data"]
    digest_report = deployed.artifacts(digest_id)
    assert [a["type"] for a in digest_report] == ["markdown"]
    assert f"| sent | {len(emails)} |" in digest_report[0]["data"]


def test_make_serve_prints_the_ui_address_and_serves_every_deployment(tmp_path: Path) -> None:
    port = free_port()
    env = child_env(tmp_path / "home", f"http://127.0.0.1:{port}/api")
    env["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] = "false"  # no live fetch mid-test
    env.pop("PWD")
    log = tmp_path / "serve.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"PREFECT_PORT={port}"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ui = f"http://127.0.0.1:{port}/"
        served = _wait_for(lambda: _served(port), process, log, limit=150)
        assert f"Prefect UI at {ui}" in log.read_text()
        status, html = http_get(ui)
        assert status == 200 and html.lstrip().lower().startswith("<!doctype html>")
        assert served == {"ingest-every-4h", "daily-digest", "weekly-digest"}
    finally:
        stop(process, timeout=40)
    assert process.returncode is not None
    # The server, serve() and their children leave too. Prefect's serve() may outlive SIGTERM
    # for a while (platform notes): the documented stop is SIGTERM, a grace period, SIGKILL.
    if not _group_gone(process.pid, within=30):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert _group_gone(process.pid, within=10), "processes of `make serve` outlived it"


def _group_gone(pgid: int, within: float) -> bool:
    """True once no process of the group is left (waiting up to `within` seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _served(port: int) -> set[str] | None:
    try:
        found = http_post_json(f"http://127.0.0.1:{port}/api/deployments/filter", {})
    except OSError:
        return None
    names = {d["name"] for d in found}
    return names if len(names) == 3 else None


def _wait_for(check: Any, process: subprocess.Popen[Any], log: Path, limit: float) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        assert process.poll() is None, log.read_text()[-3000:]
        time.sleep(1)
    raise AssertionError(f"not ready after {limit}s: {log.read_text()[-3000:]}")
