"""Board kinds are found by contract in a package; a broken contract is a clear ConfigError."""

from __future__ import annotations

import pkgutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import parsers.boards
import sources.boards
from core.errors import ConfigError
from sources.registry import boards, discover, known_kinds, lists_whole_board

BOARD = 'KIND = "{kind}"\n\n\ndef pages(session, source, options):\n    yield from ()\n'


@pytest.fixture
def package(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    """An empty importable package, named after the test, removed from sys.modules after."""
    name = f"boards_{request.node.name}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    yield name, folder
    sys.path.remove(str(tmp_path))
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def test_two_modules_claiming_one_kind_are_refused(package: tuple[str, Path]) -> None:
    name, folder = package
    (folder / "ashby.py").write_text(BOARD.format(kind="ashby"))
    (folder / "ashby_copy.py").write_text(BOARD.format(kind="ashby"))
    with pytest.raises(ConfigError, match="'ashby' is defined twice") as caught:
        discover(name, "parsers.boards")
    assert f"{name}.ashby " in str(caught.value) and f"{name}.ashby_copy" in str(caught.value)


def test_a_kind_without_its_parser_module_is_refused(package: tuple[str, Path]) -> None:
    name, folder = package
    (folder / "taleo.py").write_text(BOARD.format(kind="taleo"))
    with pytest.raises(ConfigError, match=r"'taleo' has no parser module parsers\.boards\.taleo"):
        discover(name, "parsers.boards")


def test_a_module_without_the_contract_is_refused(package: tuple[str, Path]) -> None:
    name, folder = package
    (folder / "helper.py").write_text("def fetch_board(session, source, options):\n    return []\n")
    with pytest.raises(ConfigError, match=rf"{name}\.helper is not a board module"):
        discover(name, "parsers.boards")


def test_kinds_are_found_by_their_declared_name(package: tuple[str, Path]) -> None:
    name, folder = package
    (folder / "_private.py").write_text("raise AssertionError('never imported')\n")
    (folder / "any_file_name.py").write_text(BOARD.format(kind="lever"))
    found = discover(name, "parsers.boards")
    assert list(found) == ["lever"] and found["lever"].__name__ == f"{name}.any_file_name"


def test_every_installed_board_has_a_parser_and_names_its_file() -> None:
    modules = {m.name for m in pkgutil.iter_modules(sources.boards.__path__)}
    parser_modules = {m.name for m in pkgutil.iter_modules(parsers.boards.__path__)}
    assert set(known_kinds()) == modules and modules <= parser_modules
    assert all(module.__name__.rsplit(".", 1)[1] == module.KIND for module in boards().values())
    assert lists_whole_board("lever") and not lists_whole_board("adzuna")
