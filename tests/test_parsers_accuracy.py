"""The accuracy bars, measured on the real Ashby responses when they are present."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.accuracy import BARS, DEFAULT_ASHBY, Measure, main, run


@pytest.fixture(scope="module")
def measures() -> dict[str, Measure]:
    if not DEFAULT_ASHBY.is_dir():
        pytest.skip(f"Ashby data not found at {DEFAULT_ASHBY}")
    return {m.name: m for m in run(DEFAULT_ASHBY)}


@pytest.mark.parametrize("name", sorted(BARS))
def test_bar(measures: dict[str, Measure], name: str) -> None:
    measure = measures[name]
    assert measure.cases > 0
    assert measure.accuracy >= BARS[name], (name, measure.accuracy, measure.misses[:10])


def test_missing_data_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--ashby-dir", str(tmp_path / "absent"), "--check"]) == 0
    assert "skipped" in capsys.readouterr().out
