"""The documentation keeps up with the code: every CLI command and JOBALERTS_* setting is in
the README, every warehouse table and view in docs/warehouse.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from cli.main import app
from core.settings import Settings
from tests.conftest import REPO
from warehouse.db import connect_writer

README = (REPO / "README.md").read_text()
WAREHOUSE_DOC = (REPO / "docs" / "warehouse.md").read_text()


def command_names(typer_app: typer.Typer, prefix: str = "jobalerts") -> list[str]:
    """`jobalerts NAME` for every command, `jobalerts GROUP NAME` for those of groups."""
    names = []
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        names.append(f"{prefix} {name.replace('_', '-')}")
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None and group.name
        names.append(f"{prefix} {group.name}")
        names += command_names(group.typer_instance, f"{prefix} {group.name}")
    return names


def documented_setting(name: str, text: str) -> bool:
    """The full name, or a family written once (`JOBALERTS_SMTP_HOST`, `_PORT`, ...)."""
    if name in text:
        return True
    parts = name.removeprefix("JOBALERTS_").split("_")
    for cut in range(1, len(parts)):
        family, rest = "_".join(parts[:cut]), "_".join(parts[cut:])
        for line in text.splitlines():
            if f"JOBALERTS_{family}_" in line and re.search(rf"`_{rest}`", line):
                return True
    return False


def test_every_command_is_in_the_readme() -> None:
    names = command_names(app)
    assert "jobalerts backup" in names and "jobalerts sources check" in names
    missing = [n for n in names if f"`{n}" not in README]
    assert missing == []


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert documented_setting(f"JOBALERTS_{field.upper()}", README)


def test_every_table_and_view_is_in_the_warehouse_doc(tmp_path: Path) -> None:
    con = connect_writer(tmp_path / "w.duckdb")
    try:
        names = [
            str(row[0])
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        ]
    finally:
        con.close()
    assert "current_postings" in names and "operator_alerts" in names
    missing = [n for n in names if f"`{n}`" not in WAREHOUSE_DOC]
    assert missing == []


def test_the_checks_catch_what_is_missing() -> None:
    text = "`JOBALERTS_SMTP_HOST`, `_PORT` | x\n`JOBALERTS_ADZUNA_APP_ID` + `_APP_KEY`"
    assert documented_setting("JOBALERTS_SMTP_PORT", text)
    assert documented_setting("JOBALERTS_ADZUNA_APP_KEY", text)
    assert not documented_setting("JOBALERTS_SMTP_TIMEOUT", text)
    assert not documented_setting("JOBALERTS_HTTP_TIMEOUT", text)
