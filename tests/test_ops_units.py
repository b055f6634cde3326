"""The systemd units in ops/ pass `systemd-analyze verify` and match the code they start."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cli.main import app
from tests.conftest import REPO

UNITS = sorted((REPO / "ops").glob("*.service")) + sorted((REPO / "ops").glob("*.timer"))
INSTALL_DIR = "/opt/clinops-job-alerts"
ANALYZE = shutil.which("systemd-analyze")


def verify(units: list[Path], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on copies that point at this checkout instead of /opt."""
    copies = []
    for unit in units:
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace(INSTALL_DIR, str(REPO)))
        copies.append(str(copy))
    return subprocess.run(
        [str(ANALYZE), "verify", "--man=no", *copies],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    assert {u.name for u in UNITS} >= {
        "clinops-prefect-server.service",
        "clinops-worker.service",
        "clinops-web.service",
        "clinops-backup.service",
        "clinops-backup.timer",
    }
    done = verify(UNITS, tmp_path)
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    broken = tmp_path / "src" / "clinops-broken.service"
    broken.parent.mkdir()
    text = (REPO / "ops" / "clinops-web.service").read_text()
    broken.write_text(text.replace(".venv/bin/jobalerts", ".venv/bin/no-such-command"))
    done = verify([broken], tmp_path)
    assert done.returncode != 0 and "no-such-command" in done.stdout + done.stderr


def test_units_start_real_commands_on_the_pool_prefect_yaml_deploys_to() -> None:
    pools = {
        d["work_pool"]["name"]
        for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]
    }
    worker = (REPO / "ops" / "clinops-worker.service").read_text()
    assert pools == {"clinops-process"} and "--pool clinops-process" in worker
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    }
    used = set()
    for unit in UNITS:
        used |= set(re.findall(r"\.venv/bin/jobalerts (\w+)", unit.read_text()))
    assert used and used <= commands
    server = (REPO / "ops" / "clinops-prefect-server.service").read_text()
    assert "PREFECT_SERVER_UI_ENABLED=true" in server and "--host 127.0.0.1" in server
