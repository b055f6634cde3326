"""docs/benchmarks.md shows the mapping file and the guide's figures as they are."""

from __future__ import annotations

import re
from pathlib import Path

from core.benchmarks import load_benchmarks, mapping_table, money_range, usd_range, usd_short

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def doc_mapping_rows() -> list[tuple[str, ...]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- mapping:start -->")[1].split("<!-- mapping:end -->")[0]
    lines = [line for line in table.strip().splitlines()[2:] if line.startswith("|")]
    rows = []
    for line in lines:
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        rows.append(tuple(c.strip().replace("\\|", "|").strip("`") for c in cells))
    return rows


def test_doc_mapping_table_matches_the_file() -> None:
    assert doc_mapping_rows() == [tuple(r) for r in mapping_table(load_benchmarks())]


def test_doc_shows_the_figures_of_the_file() -> None:
    text = DOC.read_text(encoding="utf-8")
    bm = load_benchmarks()
    for level in bm.levels:
        row = f"| {level.name} | `{level.key}` | {usd_short(level.median_usd)} |"
        assert row in text
    for region in bm.regions:
        local = money_range(region.local_min, region.local_max, region.currency)
        assert f"| {region.name} | {local} | {usd_range(region.usd_min, region.usd_max)} |" in text
    assert usd_short(bm.national_median_usd) in text
    assert bm.source_title in text and bm.source_publisher in text


def test_doc_keeps_the_guide_text_out() -> None:
    """Figures only: no sentence of the guide's prose (its salary paragraph, say)."""
    text = DOC.read_text(encoding="utf-8")
    assert "robust biotech sector" not in text
    assert "shared/" not in text
