"""The accuracy bars: on the hand-labelled sets in tests/data (always), and on the real Ashby
responses in ../shared when they are present."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.accuracy import (
    BARS,
    DEFAULT_ASHBY,
    Measure,
    load_titles,
    main,
    measure_titles,
    run,
    run_labelled,
)

LABELLED = {m.name: m for m in [*run_labelled(), *measure_titles(load_titles())]}


@pytest.fixture(scope="module")
def ashby_measures() -> dict[str, Measure]:
    if not DEFAULT_ASHBY.is_dir():
        pytest.skip(f"Ashby data not found at {DEFAULT_ASHBY}")
    return {m.name: m for m in run(DEFAULT_ASHBY)}


@pytest.mark.parametrize("name", sorted(LABELLED))
def test_labelled_bar(name: str) -> None:
    """Salary, location and title bars on the repo's own labelled sets (dev and held-out)."""
    measure = LABELLED[name]
    assert measure.cases >= 50
    assert measure.accuracy >= BARS[name], (name, measure.accuracy, measure.misses[:10])


@pytest.mark.parametrize("name", sorted(set(BARS) - set(LABELLED)))
def test_ashby_bar(ashby_measures: dict[str, Measure], name: str) -> None:
    measure = ashby_measures[name]
    assert measure.cases > 0
    assert measure.accuracy >= BARS[name], (name, measure.accuracy, measure.misses[:10])


def test_labelled_sets_are_several_hundred_rows() -> None:
    cases = {name: m.cases for name, m in LABELLED.items()}
    assert cases["salary_labelled[dev]"] + cases["salary_labelled[held-out]"] >= 300
    assert cases["title_recall[dev]"] + cases["title_recall[held-out]"] >= 200
    blind = [f"salary_labelled[{split}-{n}]" for n in (3, 4, 5, 6) for split in ("dev", "held-out")]
    assert sum(cases[name] for name in blind) >= 300
    held_out = sum(cases[name] for name in blind if "held-out" in name)
    assert held_out >= sum(cases[name] for name in blind) / 4  # about a third held out


def test_missing_data_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--ashby-dir", str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out
