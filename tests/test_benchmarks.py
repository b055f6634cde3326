"""The guide's benchmarks: the YAML file, its validation, and comparisons to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from core.benchmarks import (
    DEFAULT_PATH,
    Benchmarks,
    compare_to_benchmark,
    load_benchmarks,
    usd_short,
)


@pytest.fixture(scope="module")
def bm() -> Benchmarks:
    return load_benchmarks()


def test_default_file_is_config_benchmarks_yaml() -> None:
    expected = Path(__file__).resolve().parents[1] / "config" / "benchmarks.yaml"
    assert expected == DEFAULT_PATH


def test_file_is_versioned_and_cites_the_guide(bm: Benchmarks) -> None:
    assert bm.version >= 1
    assert bm.as_of.year >= 2023
    assert bm.source_title == "Complete Clinical Operations Manager Career Guide"
    for section in ("Key Facts & Statistics", "Salary by Experience Level", "Global Salaries"):
        assert section in bm.source_sections


def test_national_figures_match_the_guide(bm: Benchmarks) -> None:
    assert bm.national_median_usd == 110_680
    assert bm.national_median_source == "BLS, May 2023"
    assert (bm.range_min_usd, bm.range_max_usd) == (70_000, 160_000)
    assert bm.growth_pct == 28
    assert bm.growth_period == "2022-2032"
    assert bm.annual_openings == 33_700


@pytest.mark.parametrize(
    ("key", "name", "median", "average", "years"),
    [
        ("assistant", "Assistant Clinical Operations Manager", 80_000, 85_000, (1, 3)),
        ("manager", "Clinical Operations Manager", 110_000, 115_000, (3, 6)),
        ("senior", "Senior Clinical Operations Manager", 140_000, 145_000, (6, 10)),
        ("director", "Director of Clinical Operations", 180_000, 185_000, (10, 15)),
        ("vp", "VP of Clinical Operations", 240_000, 250_000, (15, None)),
    ],
)
def test_levels_match_the_guide(
    bm: Benchmarks, key: str, name: str, median: int, average: int, years: tuple
) -> None:
    level = bm.level(key)
    assert level is not None
    assert (level.name, level.median_usd, level.average_usd) == (name, median, average)
    assert (level.years_min, level.years_max) == years


@pytest.mark.parametrize(
    ("country", "region", "usd"),
    [
        ("US", "USA", (120_000, 180_000)),
        ("CA", "Canada", (65_000, 100_000)),
        ("GB", "Western Europe", (75_000, 130_000)),
        ("de", "Western Europe", (75_000, 130_000)),
        ("CH", "Western Europe", (75_000, 130_000)),
        ("NO", "Western Europe", (75_000, 130_000)),
        ("SG", "Asia-Pacific", (60_000, 100_000)),
        ("AU", "Asia-Pacific", (60_000, 100_000)),
        ("BR", "Latin America", (40_000, 70_000)),
        ("MX", "Latin America", (40_000, 70_000)),
    ],
)
def test_region_for_country(bm: Benchmarks, country: str, region: str, usd: tuple) -> None:
    found = bm.region_for_country(country)
    assert found is not None
    assert (found.name, (found.usd_min, found.usd_max)) == (region, usd)


def test_region_local_currencies(bm: Benchmarks) -> None:
    canada = bm.region_for_country("CA")
    europe = bm.region_for_country("DE")
    assert canada and (canada.currency, canada.local_min, canada.local_max) == (
        "CAD",
        90_000,
        140_000,
    )
    assert europe and (europe.currency, europe.local_min, europe.local_max) == (
        "EUR",
        70_000,
        120_000,
    )
    assert set(europe.guide_examples) == {"GB", "DE", "CH"}


def test_unknown_country_has_no_region(bm: Benchmarks) -> None:
    assert bm.region_for_country("ZZ") is None
    assert bm.region_for_country(None) is None


def test_hubs(bm: Benchmarks) -> None:
    names = [hub.name for hub in bm.hubs]
    assert names == ["Boston", "San Francisco", "San Diego", "Raleigh-Durham"]
    assert "Research Triangle Park" in bm.hubs[3].aliases


# ---------------------------------------------------------------- comparison


@pytest.mark.parametrize(
    ("level", "country", "low", "high", "phrase"),
    [
        ("senior", "US", 150_000, 164_000, "+12% vs Senior median $140k"),
        ("manager", "US", 95_000, 107_000, "-8% vs Manager median $110k"),
        ("manager", None, 110_000, 110_000, "±0% vs Manager median $110k"),
        ("vp", "us", 250_000, 290_000, "+13% vs VP median $240k"),
        (None, "US", 100_000, 130_000, "+4% vs national median $110,680"),
        (None, None, 40_000, 60_000, "below the guide's $70k–$160k range"),
        (None, "US", 170_000, 200_000, "above the guide's $70k–$160k range"),
        (
            "manager",
            "US",
            40_000,
            60_000,
            "-55% vs Manager median $110k, below the guide's $70k–$160k range",
        ),
        (None, "DE", 80_000, 100_000, "within the guide's Western Europe range $75k–$130k"),
        (None, "BR", 80_000, 90_000, "above the guide's Latin America range $40k–$70k"),
        (
            "senior",
            "DE",
            80_000,
            100_000,
            "within the guide's Western Europe range $75k–$130k; -36% vs US Senior median $140k",
        ),
        (
            "manager",
            "CA",
            40_000,
            50_000,
            "below the guide's Canada range $65k–$100k; -59% vs US Manager median $110k",
        ),
        (
            "vp",
            "BR",
            90_000,
            110_000,
            "above the guide's Latin America range $40k–$70k; -58% vs US VP median $240k",
        ),
        ("senior", "IN", 150_000, 164_000, "+12% vs US Senior median $140k"),
        (
            "manager",
            "IN",
            40_000,
            60_000,
            "-55% vs US Manager median $110k, below the guide's US range $70k–$160k",
        ),
        (None, "IN", 100_000, 130_000, "+4% vs US national median $110,680"),
        (None, "ZZ", 40_000, 60_000, "below the guide's US range $70k–$160k"),
    ],
)
def test_comparison_phrases(
    bm: Benchmarks, level: str | None, country: str | None, low: int, high: int, phrase: str
) -> None:
    comparison = compare_to_benchmark(bm, level, country, low, high)
    assert comparison is not None
    assert comparison.phrase == phrase


def test_comparison_numbers(bm: Benchmarks) -> None:
    comparison = compare_to_benchmark(bm, "senior", "US", 150_000, 164_000)
    assert comparison is not None
    assert comparison.basis == "level"
    assert comparison.delta_pct == 12
    assert comparison.midpoint_usd == 157_000
    assert comparison.reference_usd == 140_000
    assert comparison.above_median


def test_region_comparison_without_level_has_no_median_delta(bm: Benchmarks) -> None:
    comparison = compare_to_benchmark(bm, None, "GB", 80_000, 100_000)
    assert comparison is not None
    assert (comparison.basis, comparison.position, comparison.delta_pct) == (
        "region",
        "within",
        None,
    )
    assert (comparison.region, comparison.reference_usd) == ("Western Europe", None)
    assert not comparison.above_median


def test_region_comparison_with_level_keeps_the_us_level_delta(bm: Benchmarks) -> None:
    comparison = compare_to_benchmark(bm, "senior", "GB", 80_000, 100_000)
    assert comparison is not None
    assert comparison.basis == "region_and_level"
    assert (comparison.position, comparison.region) == ("within", "Western Europe")
    assert (comparison.delta_pct, comparison.reference_usd) == (-36, 140_000)
    assert comparison.midpoint_usd == 90_000
    assert not comparison.above_median


def test_outside_the_us_the_level_changes_the_comparison(bm: Benchmarks) -> None:
    """A Munich assistant and a London director are no longer described alike."""
    assistant = compare_to_benchmark(bm, "assistant", "DE", 54_000, 54_000)
    director = compare_to_benchmark(bm, "director", "GB", 150_000, 150_000)
    assert assistant is not None and director is not None
    assert assistant.phrase == (
        "below the guide's Western Europe range $75k–$130k; -33% vs US Assistant median $80k"
    )
    assert director.phrase == (
        "above the guide's Western Europe range $75k–$130k; -17% vs US Director median $180k"
    )
    assert director.above_median is False
    london_vp = compare_to_benchmark(bm, "vp", "GB", 250_000, 270_000)
    assert london_vp is not None and london_vp.above_median


def test_one_sided_salary_uses_the_known_end(bm: Benchmarks) -> None:
    comparison = compare_to_benchmark(bm, "senior", "US", 154_000, None)
    assert comparison is not None and comparison.phrase == "+10% vs Senior median $140k"


def test_no_salary_no_comparison(bm: Benchmarks) -> None:
    assert compare_to_benchmark(bm, "senior", "US", None, None) is None


@given(
    level=st.sampled_from([None, "assistant", "manager", "senior", "director", "vp", "intern"]),
    country=st.sampled_from([None, "US", "GB", "BR", "SG", "ZZ", "ca"]),
    low=st.floats(min_value=1_000, max_value=1_000_000),
    spread=st.floats(min_value=0, max_value=200_000),
)
def test_comparison_is_total(
    level: str | None, country: str | None, low: float, spread: float
) -> None:
    comparison = compare_to_benchmark(load_benchmarks(), level, country, low, low + spread)
    assert comparison is not None
    assert comparison.phrase
    assert comparison.midpoint_usd == pytest.approx(low + spread / 2)


def test_usd_short() -> None:
    assert usd_short(140_000) == "$140k"
    assert usd_short(110_680) == "$110,680"
    assert usd_short(950) == "$950"


# ---------------------------------------------------------------- validation


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "benchmarks.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _valid() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_valid_copy_loads(tmp_path: Path) -> None:
    assert load_benchmarks(_write(tmp_path, _valid())).national_median_usd == 110_680


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("version"), "version"),
        (lambda d: d.update(as_of="soon"), "as_of"),
        (lambda d: d["national"].update(median_usd=-1), "national.median_usd"),
        (lambda d: d["national"].pop("range_max_usd"), "national.range_max_usd"),
        (lambda d: d["levels"]["items"][2].update(median_usd="lots"), "levels.items[2].median_usd"),
        (lambda d: d["levels"]["items"][0].update(key="intern"), "levels.items[0].key"),
        (
            lambda d: d["regions"]["items"][2].update(countries=["UK!"]),
            "regions.items[2].countries",
        ),
        (lambda d: d["regions"]["items"][1].update(usd_max=1), "regions.items[1].usd_max"),
        (lambda d: d["regions"]["items"][1].update(countries=["US"]), "regions.items[1].countries"),
        (lambda d: d.update(hubs=[]), "hubs"),
    ],
)
def test_invalid_file_names_file_and_field(tmp_path: Path, mutate, field: str) -> None:
    data = _valid()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ValueError, match="field") as excinfo:
        load_benchmarks(path)
    assert str(path) in str(excinfo.value)
    assert f"'{field}" in str(excinfo.value)


def test_bare_no_in_yaml_is_caught(tmp_path: Path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace('"NO"', "NO")
    path = tmp_path / "benchmarks.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="countries"):
        load_benchmarks(path)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_benchmarks(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid YAML"):
        load_benchmarks(broken)
