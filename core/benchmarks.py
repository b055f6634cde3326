"""The career guide's salary benchmarks: load them from YAML and compare a posting to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml

from core.models import LEVELS

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "benchmarks.yaml"
US = "US"

Position = Literal["below", "within", "above"]
Basis = Literal["level", "national", "region", "region_and_level"]


@dataclass(frozen=True)
class LevelBenchmark:
    """US median and average pay of one level of the guide's career ladder."""

    key: str
    name: str
    label: str
    median_usd: float
    average_usd: float
    years_min: int
    years_max: int | None


@dataclass(frozen=True)
class RegionBenchmark:
    """The guide's pay range for one world region, locally and in USD."""

    key: str
    name: str
    currency: str
    local_min: float
    local_max: float
    usd_min: float
    usd_max: float
    countries: tuple[str, ...]
    guide_examples: tuple[str, ...]


@dataclass(frozen=True)
class Hub:
    """A hiring hub the guide names, with the place names that belong to it."""

    name: str
    country: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Benchmarks:
    """All the guide's figures, with where they come from."""

    version: int
    as_of: date
    source_title: str
    source_sections: tuple[str, ...]
    national_median_usd: float
    national_median_source: str
    range_min_usd: float
    range_max_usd: float
    growth_pct: float
    growth_period: str
    annual_openings: int
    levels: tuple[LevelBenchmark, ...]
    regions: tuple[RegionBenchmark, ...]
    hubs: tuple[Hub, ...]

    def level(self, key: str | None) -> LevelBenchmark | None:
        """The benchmark of a level key (`senior`), or None."""
        return next((lb for lb in self.levels if lb.key == key), None)

    def region_for_country(self, alpha2: str | None) -> RegionBenchmark | None:
        """The region whose country list holds this ISO 3166-1 alpha-2 code, or None."""
        code = (alpha2 or "").strip().upper()
        return next((r for r in self.regions if code in r.countries), None)

    @property
    def citation(self) -> str:
        """One line naming the guide and its sections."""
        return f"{self.source_title} ({', '.join(self.source_sections)})"


@dataclass(frozen=True)
class Comparison:
    """How a posting's pay compares to the guide, in numbers and in words.

    `delta_pct` and `reference_usd` are against a US median (the level's, else the national
    one): the only medians the guide gives. Outside the US they are None unless the level is
    known. `position` is against the region's range when `region` is set, else against the
    US national range.
    """

    basis: Basis
    phrase: str
    midpoint_usd: float
    delta_pct: int | None = None
    reference_usd: float | None = None
    position: Position | None = None
    region: str | None = None

    @property
    def above_median(self) -> bool:
        """True when the posting pays more than the median it was compared to."""
        return self.delta_pct is not None and self.delta_pct > 0


# ---------------------------------------------------------------- formatting


def usd_short(amount: float) -> str:
    """`$140k` for whole thousands, else `$110,680`."""
    whole = round(amount)
    if whole >= 1000 and whole % 1000 == 0:
        return f"${whole // 1000:,}k"
    return f"${whole:,}"


def usd_range(low: float, high: float, open_ended: bool = False) -> str:
    """`$70k–$160k`, with a trailing `+` when the top is open."""
    return f"{usd_short(low)}–{usd_short(high)}{'+' if open_ended else ''}"


# ---------------------------------------------------------------- comparison


def compare_to_benchmark(
    benchmarks: Benchmarks,
    level: str | None,
    country: str | None,
    usd_annual_min: float | None,
    usd_annual_max: float | None,
) -> Comparison | None:
    """Compare a posting's annual USD pay to the guide; None when no pay is known.

    In the US (or country unknown): the level's median, else the national median and range.
    Elsewhere: the region's USD range plus, when the level is known, the delta from that
    level's US median; where no region applies, the US figures, labelled "US".
    """
    midpoint = _midpoint(usd_annual_min, usd_annual_max)
    if midpoint is None:
        return None
    low = usd_annual_min if usd_annual_min is not None else midpoint
    high = usd_annual_max if usd_annual_max is not None else midpoint
    code = (country or US).strip().upper()
    level_bm = benchmarks.level(level)
    region = benchmarks.region_for_country(code) if code != US else None
    if region is not None:
        return _vs_region(region, level_bm, midpoint)
    prefix = "" if code == US else "US "
    if level_bm is not None:
        return _vs_level(benchmarks, level_bm, midpoint, high, prefix)
    return _vs_national(benchmarks, midpoint, low, high, prefix)


def _midpoint(low: float | None, high: float | None) -> float | None:
    values = [v for v in (low, high) if v is not None and v > 0]
    return sum(values) / len(values) if values else None


def delta_percent(value: float, reference: float) -> int:
    """Whole-percent difference of value from reference (half away from zero)."""
    ratio = (value - reference) / reference * 100
    return int(ratio + 0.5) if ratio >= 0 else -int(-ratio + 0.5)


def signed(pct: int) -> str:
    """`+12%`, `-8%`, `±0%`."""
    return f"+{pct}%" if pct > 0 else f"{pct}%" if pct < 0 else "±0%"


def _national_range(benchmarks: Benchmarks, prefix: str) -> str:
    """`$70k–$160k range` in the US, `US range $70k–$160k` when compared from abroad."""
    span = usd_range(benchmarks.range_min_usd, benchmarks.range_max_usd)
    return f"{prefix}range {span}" if prefix else f"{span} range"


def _vs_level_median(lb: LevelBenchmark, midpoint: float, prefix: str) -> tuple[int, str]:
    """The delta from a level's US median and its words: `+12% vs Senior median $140k`."""
    pct = delta_percent(midpoint, lb.median_usd)
    return pct, f"{signed(pct)} vs {prefix}{lb.label} median {usd_short(lb.median_usd)}"


def _vs_level(
    benchmarks: Benchmarks, lb: LevelBenchmark, midpoint: float, high: float, prefix: str
) -> Comparison:
    pct, phrase = _vs_level_median(lb, midpoint, prefix)
    position: Position | None = None
    if high < benchmarks.range_min_usd:
        position = "below"
        phrase += f", below the guide's {_national_range(benchmarks, prefix)}"
    return Comparison("level", phrase, midpoint, pct, lb.median_usd, position)


def _vs_national(
    benchmarks: Benchmarks, midpoint: float, low: float, high: float, prefix: str
) -> Comparison:
    median = benchmarks.national_median_usd
    pct = delta_percent(midpoint, median)
    if high < benchmarks.range_min_usd:
        phrase = f"below the guide's {_national_range(benchmarks, prefix)}"
        return Comparison("national", phrase, midpoint, pct, median, "below")
    if low > benchmarks.range_max_usd:
        phrase = f"above the guide's {_national_range(benchmarks, prefix)}"
        return Comparison("national", phrase, midpoint, pct, median, "above")
    phrase = f"{signed(pct)} vs {prefix}national median {usd_short(median)}"
    return Comparison("national", phrase, midpoint, pct, median, "within")


def _vs_region(region: RegionBenchmark, lb: LevelBenchmark | None, midpoint: float) -> Comparison:
    """The region's range; with a known level also the delta from its US median (the guide
    gives no level figures by region)."""
    position: Position = "within"
    if midpoint < region.usd_min:
        position = "below"
    elif midpoint > region.usd_max:
        position = "above"
    span = usd_range(region.usd_min, region.usd_max)
    phrase = f"{position} the guide's {region.name} range {span}"
    if lb is None:
        return Comparison("region", phrase, midpoint, None, None, position, region.name)
    pct, level_phrase = _vs_level_median(lb, midpoint, f"{US} ")
    return Comparison(
        "region_and_level",
        f"{phrase}; {level_phrase}",
        midpoint,
        pct,
        lb.median_usd,
        position,
        region.name,
    )


# ---------------------------------------------------------------- loading


def load_benchmarks(path: Path | None = None) -> Benchmarks:
    """Read and validate the benchmarks file; ValueError names the file and field."""
    file = Path(path) if path is not None else DEFAULT_PATH
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{file}: cannot read benchmarks file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{file}: invalid YAML ({exc})") from exc
    return _Reader(file).benchmarks(data)


class _Reader:
    """Typed access to the parsed YAML, with errors that name the file and field."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, field: str, problem: str) -> ValueError:
        return ValueError(f"{self.file}: field '{field}' {problem}")

    def mapping(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, "must be a mapping")
        return value

    def get(self, data: dict[str, Any], key: str, field: str) -> Any:
        if key not in data or data[key] is None:
            raise self.fail(f"{field}{key}", "is missing")
        return data[key]

    def text(self, data: dict[str, Any], key: str, field: str = "") -> str:
        value = self.get(data, key, field)
        if not isinstance(value, str | int) or not str(value).strip():
            raise self.fail(f"{field}{key}", "must be a non-empty string")
        return str(value).strip()

    def number(self, data: dict[str, Any], key: str, field: str = "") -> float:
        value = self.get(data, key, field)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(f"{field}{key}", f"must be a positive number, not {value!r}")
        return float(value)

    def items(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        section = self.mapping(self.get(data, key, ""), key)
        items = self.get(section, "items", f"{key}.")
        if not isinstance(items, list) or not items:
            raise self.fail(f"{key}.items", "must be a non-empty list")
        return [self.mapping(item, f"{key}.items[{i}]") for i, item in enumerate(items)]

    def codes(self, data: dict[str, Any], key: str, field: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(_is_alpha2(c) for c in value):
            raise self.fail(f"{field}{key}", "must be a list of ISO 3166-1 alpha-2 codes")
        return tuple(str(c) for c in value)

    def benchmarks(self, data: Any) -> Benchmarks:
        root = self.mapping(data, "(top level)")
        version = self.get(root, "version", "")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail("version", "must be a positive integer")
        as_of = self.get(root, "as_of", "")
        if not isinstance(as_of, date):
            raise self.fail("as_of", "must be a date (YYYY-MM-DD)")
        source = self.mapping(self.get(root, "source", ""), "source")
        national = self.mapping(self.get(root, "national", ""), "national")
        return Benchmarks(
            version=version,
            as_of=as_of,
            source_title=self.text(source, "title", "source."),
            source_sections=tuple(str(s) for s in source.get("sections") or ()),
            national_median_usd=self.number(national, "median_usd", "national."),
            national_median_source=self.text(national, "median_source", "national."),
            range_min_usd=self.number(national, "range_min_usd", "national."),
            range_max_usd=self.number(national, "range_max_usd", "national."),
            growth_pct=self.number(national, "growth_pct", "national."),
            growth_period=self.text(national, "growth_period", "national."),
            annual_openings=int(self.number(national, "annual_openings", "national.")),
            levels=self.levels(root),
            regions=self.regions(root),
            hubs=self.hubs(root),
        )

    def levels(self, root: dict[str, Any]) -> tuple[LevelBenchmark, ...]:
        result = []
        for i, item in enumerate(self.items(root, "levels")):
            f = f"levels.items[{i}]."
            key = self.text(item, "key", f)
            if key not in LEVELS:
                raise self.fail(f"{f}key", f"must be one of {', '.join(LEVELS)}, not {key!r}")
            years_max = item.get("years_max")
            result.append(
                LevelBenchmark(
                    key=key,
                    name=self.text(item, "name", f),
                    label=self.text(item, "label", f),
                    median_usd=self.number(item, "median_usd", f),
                    average_usd=self.number(item, "average_usd", f),
                    years_min=int(self.number(item, "years_min", f)),
                    years_max=None if years_max is None else int(self.number(item, "years_max", f)),
                )
            )
        keys = [lb.key for lb in result]
        if len(set(keys)) != len(keys):
            raise self.fail("levels.items", "lists a level twice")
        return tuple(result)

    def regions(self, root: dict[str, Any]) -> tuple[RegionBenchmark, ...]:
        result: list[RegionBenchmark] = []
        seen: set[str] = set()
        for i, item in enumerate(self.items(root, "regions")):
            f = f"regions.items[{i}]."
            region = RegionBenchmark(
                key=self.text(item, "key", f),
                name=self.text(item, "name", f),
                currency=self.text(item, "currency", f),
                local_min=self.number(item, "local_min", f),
                local_max=self.number(item, "local_max", f),
                usd_min=self.number(item, "usd_min", f),
                usd_max=self.number(item, "usd_max", f),
                countries=self.codes(item, "countries", f),
                guide_examples=self.codes(item, "guide_examples", f),
            )
            if region.usd_min >= region.usd_max:
                raise self.fail(f"{f}usd_max", "must be greater than usd_min")
            if not region.countries or seen & set(region.countries):
                raise self.fail(f"{f}countries", "must be non-empty and not repeat a country")
            seen.update(region.countries)
            result.append(region)
        return tuple(result)

    def hubs(self, root: dict[str, Any]) -> tuple[Hub, ...]:
        result = []
        for i, item in enumerate(self.items(root, "hubs")):
            f = f"hubs.items[{i}]."
            aliases = item.get("aliases") or []
            if not isinstance(aliases, list):
                raise self.fail(f"{f}aliases", "must be a list of place names")
            country = self.text(item, "country", f)
            if not _is_alpha2(country):
                raise self.fail(f"{f}country", "must be an ISO 3166-1 alpha-2 code")
            name = self.text(item, "name", f)
            result.append(Hub(name, country, tuple(str(a) for a in aliases)))
        return tuple(result)


def _is_alpha2(code: Any) -> bool:
    return isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()
