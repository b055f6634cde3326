"""The architecture's dependency rules, enforced on the source tree."""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (
    "core",
    "parsers",
    "sources",
    "warehouse",
    "opstore",
    "subscriptions",
    "digests",
    "pipeline",
    "flows",
    "web",
    "cli",
)
ALLOWED_PROJECT_IMPORTS = {
    "core": {"core"},
    "parsers": {"core", "parsers"},
    "sources": {"core", "sources", "parsers"},
    "warehouse": {"core", "warehouse"},
    "opstore": {"core", "opstore"},
    "subscriptions": {"core", "parsers", "subscriptions"},
    "digests": {"core", "digests"},
    "pipeline": {
        "core",
        "parsers",
        "sources",
        "warehouse",
        "opstore",
        "subscriptions",
        "digests",
        "pipeline",
    },
    "flows": {
        "core",
        "parsers",
        "sources",
        "warehouse",
        "opstore",
        "subscriptions",
        "digests",
        "pipeline",
        "flows",
    },
    "web": {"core", "warehouse", "opstore", "subscriptions", "digests", "pipeline", "web"},
    "cli": set(PACKAGES),
}
IO_MODULES = {
    "requests",
    "duckdb",
    "socket",
    "smtplib",
    "subprocess",
    "urllib.request",
    "http.client",
    "shutil",
    "prefect",
    "sqlite3",
}


def modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_the_architecture_allows(package: str) -> None:
    offenders = []
    for path in modules(package):
        for name in imported_names(path):
            top = name.split(".")[0]
            if top in PACKAGES and top not in ALLOWED_PROJECT_IMPORTS[package]:
                offenders.append(f"{path.relative_to(REPO)} imports {name}")
    assert offenders == []


def test_only_flows_imports_prefect() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for package in PACKAGES
        if package != "flows"
        for path in modules(package)
        if any(n.split(".")[0] == "prefect" for n in imported_names(path))
    ]
    assert offenders == []


def test_parsers_do_no_io() -> None:
    offenders = []
    for path in modules("parsers"):
        names = imported_names(path)
        offenders += [f"{path.name} imports {n}" for n in names if n in IO_MODULES]
        tree = ast.parse(path.read_text())
        offenders += [
            f"{path.name} calls open()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "open"
        ]
    assert offenders == []


def test_no_module_shadows_the_standard_library() -> None:
    project_files = [p for package in PACKAGES for p in modules(package)]
    project_files += list((REPO / "tests").glob("*.py")) + list((REPO / "bench").glob("*.py"))
    clashes = [str(p.relative_to(REPO)) for p in project_files if p.stem in sys.stdlib_module_names]
    clashes += [pkg for pkg in PACKAGES if pkg in sys.stdlib_module_names]
    assert clashes == []


def test_nothing_imports_cli() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for package in PACKAGES
        if package != "cli"
        for path in modules(package)
        if any(n.split(".")[0] == "cli" for n in imported_names(path))
    ]
    assert offenders == []


def test_connectors_are_generators_drained_in_one_place() -> None:
    """Each board kind yields its pages; only pipeline/fetching.py runs a kind's connector."""
    from sources.registry import boards

    assert all(inspect.isgeneratorfunction(module.pages) for module in boards().values())
    registry = REPO / "sources" / "registry.py"
    callers = [
        str(path.relative_to(REPO))
        for package in PACKAGES
        for path in modules(package)
        if path != registry and "connector_for(" in path.read_text()
    ]
    assert callers == ["pipeline/fetching.py"]


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in tests/helpers.py (and fixtures in conftest.py)."""
    offenders = [
        f"{path.name}: {name}"
        for path in sorted((REPO / "tests").glob("*.py"))
        for name in imported_test_modules(path)
    ]
    assert offenders == []


def imported_test_modules(path: Path) -> list[str]:
    """The test modules a file imports (`tests.test_x`, `from tests import test_x`)."""
    found = [n for n in imported_names(path) if n.startswith("tests.test_")]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "tests":
            found += [f"tests.{a.name}" for a in node.names if a.name.startswith("test_")]
    return found


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import prefect\nfrom warehouse.db import writer\n")
    assert {"prefect", "warehouse.db"} <= imported_names(bad)
    borrowing = tmp_path / "test_borrowing.py"
    borrowing.write_text("from tests.test_flows import x\nfrom tests import test_cli, helpers\n")
    assert imported_test_modules(borrowing) == ["tests.test_flows", "tests.test_cli"]
