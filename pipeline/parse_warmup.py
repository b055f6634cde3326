"""Imported once by the parse pool's fork server: loads the board parsers and their data (the
gazetteer, the title rules) before any worker forks, so every worker starts ready instead of
loading them again."""

from __future__ import annotations

import importlib
import pkgutil

import parsers.boards
from parsers.location import parse_locations
from parsers.salary import parse_salary
from parsers.title import parse_title
from parsers.workplace import parse_workplace


def warm_up() -> None:
    """Build the parsers' lazily made data by using each once."""
    for module in pkgutil.iter_modules(parsers.boards.__path__):
        importlib.import_module(f"parsers.boards.{module.name}")
    parse_locations("Boston, MA; Berlin, Germany")
    parse_title("Clinical Trial Manager")
    parse_salary("$120,000 - $150,000 per year", country_hint="US")
    parse_workplace("Clinical Trial Manager", "Remote, US", "")


warm_up()
