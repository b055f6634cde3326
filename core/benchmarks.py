"""The career guide's salary benchmarks: load them (and the role mapping) from YAML and compare
a posting's pay with the one figure its role, level and country are mapped to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from core.models import LEVELS

CONFIG = Path(__file__).resolve().parents[1] / "config"
DEFAULT_PATH = CONFIG / "benchmarks.yaml"
DEFAULT_MAPPING_PATH = CONFIG / "benchmark_mapping.yaml"
US = "US"
UNSTATED = "unstated"
RUNGS: tuple[str, ...] = (*LEVELS, UNSTATED)
FIGURES: tuple[str, ...] = (*LEVELS, "national", "none")
REASONS: tuple[str, ...] = ("entry", "family", "level", "country", "no_country")
# How a posted pay becomes a year's pay (the salary parser uses the same factors).
ANNUAL_FACTORS: dict[str, int] = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}
PERIOD_ADVERBS = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"}
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "SGD": "S$"}

Position = Literal["below", "within", "above"]
BenchmarkBasis = Literal["level", "national", "region", "none"]  # which guide figure


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
    """The guide's pay range for Clinical Operations Managers in one world region."""

    key: str
    name: str
    currency: str
    local_min: float
    local_max: float
    usd_min: float
    usd_max: float
    countries: tuple[str, ...]
    guide_examples: tuple[str, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies of the local range (`AUD/SGD` is two)."""
        return tuple(c.strip().upper() for c in self.currency.split("/"))


@dataclass(frozen=True)
class Hub:
    """A hiring hub the guide names, with the place names that belong to it."""

    name: str
    country: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class GuideRule:
    """What one (role family, level) is compared with: a guide figure or none, and why."""

    figure: str
    regional: bool = False
    title_pattern: str | None = None
    reason: str | None = None

    def applies_to(self, title: str | None) -> bool:
        """True when the rule has no title condition or the title meets it."""
        return self.title_pattern is None or bool(_pattern(self.title_pattern).search(title or ""))


@dataclass(frozen=True)
class FamilyMapping:
    """One role family: its label and the rule for each rung (none for entry roles)."""

    key: str
    label: str
    entry: bool
    rules: dict[str, GuideRule] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class RoleMapping:
    """The versioned mapping from (role family, level) to the guide figure compared with."""

    version: int
    as_of: date
    reasons: dict[str, str] = field(hash=False, compare=False)
    families: tuple[FamilyMapping, ...]

    def family(self, key: str | None) -> FamilyMapping | None:
        """The mapping of a family key, or None when the family is not mapped."""
        return _families_by_key(self.families).get(key or "")

    def rule(self, family: str | None, level: str | None, title: str | None = None) -> GuideRule:
        """The rule for a posting's family, level and title (a failed title condition means an
        entry role)."""
        mapped = self.family(family)
        if mapped is None:
            return GuideRule("none", reason="family")
        if mapped.entry:
            return GuideRule("none", reason="entry")
        rung = level if level in LEVELS else UNSTATED
        rule = mapped.rules.get(rung) or GuideRule("none", reason="family")
        return rule if rule.applies_to(title) else GuideRule("none", reason="entry")


@dataclass(frozen=True, eq=False)
class Benchmarks:
    """All the guide's figures, with where they come from, and the role mapping (compared by
    identity: one load is one set of figures)."""

    version: int
    as_of: date
    source_title: str
    source_publisher: str
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
    mapping: RoleMapping

    def level(self, key: str | None) -> LevelBenchmark | None:
        """The benchmark of a level key (`senior`), or None."""
        return next((lb for lb in self.levels if lb.key == key), None)

    def region_for_country(self, alpha2: str | None) -> RegionBenchmark | None:
        """The region whose country list holds this ISO 3166-1 alpha-2 code, or None."""
        code = (alpha2 or "").strip().upper()
        return next((r for r in self.regions if code in r.countries), None)

    @property
    def citation(self) -> str:
        """One line naming the guide, its publisher and its sections."""
        return f"{self.source_title}, {self.source_publisher} ({', '.join(self.source_sections)})"


@dataclass(frozen=True)
class PostedPay:
    """What a comparison needs to know about a posting: its role, place and pay.

    `annual_*` are in the posted currency, `usd_*` annualised in USD; either end may be None.
    """

    family: str | None
    level: str | None
    title: str | None
    country: str | None
    currency: str | None
    annual_min: float | None
    annual_max: float | None
    usd_min: float | None
    usd_max: float | None


@dataclass(frozen=True)
class Comparison:
    """How a posting's pay compares with the guide figure its role is mapped to.

    basis: `level` (a rung's US median), `national` (the US national median), `region` (the
    guide's range for Clinical Operations Managers in the posting's region) or `none` (no
    figure applies; `reason` says why). `delta_pct` is against a median; `position` against a
    region's range, in the posted currency when it is the range's, else in USD.
    """

    basis: BenchmarkBasis
    phrase: str
    midpoint_usd: float
    reference: str | None = None
    delta_pct: int | None = None
    reference_usd: float | None = None
    position: Position | None = None
    region: str | None = None
    reason: str | None = None

    @property
    def above_median(self) -> bool:
        """True when the posting pays more than the median it was compared to."""
        return self.delta_pct is not None and self.delta_pct > 0


@lru_cache(maxsize=16)
def _families_by_key(families: tuple[FamilyMapping, ...]) -> dict[str, FamilyMapping]:
    return {f.key: f for f in families}


@lru_cache(maxsize=64)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


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


def money(amount: float, currency: str | None) -> str:
    """`$120k`, `€72.5k`, `$55`, `$55.50`, `CHF 9,500`."""
    code = (currency or "").upper()
    sign = CURRENCY_SIGNS.get(code, f"{code} " if code else "")
    if amount >= 10_000 and round(amount) % 100 == 0:
        thousands = round(amount) / 1000
        return f"{sign}{thousands:,.1f}".removesuffix(".0") + "k"
    if amount == int(amount):
        return f"{sign}{int(amount):,}"
    return f"{sign}{amount:,.2f}"


def money_range(low: float, high: float, currency: str | None) -> str:
    """`€70k–€120k`; for several currencies (`AUD/SGD`) `90k–150k AUD/SGD`."""
    if currency and "/" in currency:
        return f"{money(low, None)}–{money(high, None)} {currency}"
    return f"{money(low, currency)}–{money(high, currency)}"


def conversion(period: str | None) -> str | None:
    """How a pay was annualised: `hourly × 2,080`; None for a yearly pay."""
    if period in PERIOD_ADVERBS:
        return f"{PERIOD_ADVERBS[period]} × {ANNUAL_FACTORS[period]:,}"
    return None


def delta_percent(value: float, reference: float) -> int:
    """Whole-percent difference of value from reference (half away from zero)."""
    ratio = (value - reference) / reference * 100
    return int(ratio + 0.5) if ratio >= 0 else -int(-ratio + 0.5)


def signed(pct: int) -> str:
    """`+12%`, `-8%`, `±0%`."""
    return f"+{pct}%" if pct > 0 else f"{pct}%" if pct < 0 else "±0%"


def midpoint(low: float | None, high: float | None) -> float | None:
    """The middle of a range whose ends may be missing (one end stands for both)."""
    values = [v for v in (low, high) if v is not None and v > 0]
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------- comparison


def compare_to_benchmark(benchmarks: Benchmarks, pay: PostedPay) -> Comparison | None:
    """Compare a posting's pay with the guide figure its role is mapped to; None without pay.

    In the US: the mapped rung's US median (or the national median). In a guide region: the
    region's range for Clinical Operations Managers, for rungs the mapping marks regional.
    Elsewhere, for unmapped roles, and without a country: no comparison, with the reason.
    """
    mid_usd = midpoint(pay.usd_min, pay.usd_max)
    if mid_usd is None:
        return None
    rule = benchmarks.mapping.rule(pay.family, pay.level, pay.title)
    code = (pay.country or "").strip().upper()
    if rule.figure == "none":
        return _none(benchmarks, mid_usd, rule.reason or "family")
    if not code:
        return _none(benchmarks, mid_usd, "no_country")
    if code == US:
        return _vs_median(benchmarks, rule.figure, mid_usd)
    region = benchmarks.region_for_country(code)
    if region is None:
        return _none(benchmarks, mid_usd, "country")
    if not rule.regional:
        return _none(benchmarks, mid_usd, "level")
    return _vs_region(region, pay, mid_usd)


def _none(benchmarks: Benchmarks, mid_usd: float, reason: str) -> Comparison:
    text = benchmarks.mapping.reasons.get(reason, reason)
    return Comparison("none", f"no comparison ({text})", mid_usd, reason=reason)


def median_reference(benchmarks: Benchmarks, figure: str) -> tuple[str, float]:
    """The words naming a median figure and its value: (`the guide's Clinical Operations
    Manager median, US, $110k`, 110000)."""
    level = benchmarks.level(figure)
    if level is not None:
        name, value = level.name, level.median_usd
        return f"the guide's {name} median, US, {usd_short(value)}", value
    value = benchmarks.national_median_usd
    source = benchmarks.national_median_source
    return f"the guide's US national median, {usd_short(value)} ({source})", value


def _vs_median(benchmarks: Benchmarks, figure: str, mid_usd: float) -> Comparison:
    reference, value = median_reference(benchmarks, figure)
    pct = delta_percent(mid_usd, value)
    basis: BenchmarkBasis = "national" if figure == "national" else "level"
    phrase = f"{signed(pct)} vs {reference}"
    return Comparison(basis, phrase, mid_usd, reference, pct, value)


def region_reference(region: RegionBenchmark) -> str:
    """`the guide's range for Clinical Operations Managers in Western Europe, €70k–€120k
    ($75k–$130k)`."""
    local = money_range(region.local_min, region.local_max, region.currency)
    usd = usd_range(region.usd_min, region.usd_max)
    span = local if region.currency.upper() == "USD" else f"{local} ({usd})"
    return f"the guide's range for Clinical Operations Managers in {region.name}, {span}"


def _vs_region(region: RegionBenchmark, pay: PostedPay, mid_usd: float) -> Comparison:
    """Where the pay falls in the region's range: in the posted currency when the range is in
    it, else in USD."""
    value, low, high = mid_usd, region.usd_min, region.usd_max
    local_mid = midpoint(pay.annual_min, pay.annual_max)
    if local_mid is not None and (pay.currency or "").upper() in region.currencies:
        value, low, high = local_mid, region.local_min, region.local_max
    position: Position = "below" if value < low else "above" if value > high else "within"
    reference = region_reference(region)
    return Comparison(
        "region",
        f"{position} {reference}",
        mid_usd,
        reference,
        position=position,
        region=region.name,
    )


# ---------------------------------------------------------------- the mapping as a table


def mapping_table(benchmarks: Benchmarks) -> list[tuple[str, str, str, str]]:
    """The mapping in words, one row per (family, level): (family, level, US figure, outside
    the US); docs/benchmarks.md shows exactly these rows."""
    mapping, rows = benchmarks.mapping, []
    for family in mapping.families:
        if family.entry:
            words = f"none ({mapping.reasons['entry']})"
            rows.append((family.key, "any", words, "none"))
            continue
        for rung in RUNGS:
            rule = family.rules[rung]
            figure = _figure_words(benchmarks, rule)
            regional = "the guide's regional range" if rule.regional else "none"
            rows.append((family.key, rung, figure, regional))
    return rows


def _figure_words(benchmarks: Benchmarks, rule: GuideRule) -> str:
    if rule.figure == "none":
        return f"none ({benchmarks.mapping.reasons.get(rule.reason or '', rule.reason)})"
    words = median_reference(benchmarks, rule.figure)[0].removeprefix("the guide's ")
    if rule.title_pattern:
        words += f", if the title matches `{rule.title_pattern}` (else none: an entry role)"
    return words


# ---------------------------------------------------------------- loading


def load_benchmarks(path: Path | None = None, mapping_path: Path | None = None) -> Benchmarks:
    """Read and validate the benchmarks file and the role mapping; ValueError names the file
    and field."""
    file = Path(path) if path is not None else DEFAULT_PATH
    mapping_file = Path(mapping_path) if mapping_path is not None else DEFAULT_MAPPING_PATH
    mapping = _Reader(mapping_file).mapping_file(_read_yaml(mapping_file))
    return _Reader(file).benchmarks(_read_yaml(file), mapping)


def _read_yaml(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{file}: cannot read benchmarks file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{file}: invalid YAML ({exc})") from exc


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

    def version(self, root: dict[str, Any]) -> tuple[int, date]:
        version = self.get(root, "version", "")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.fail("version", "must be a positive integer")
        as_of = self.get(root, "as_of", "")
        if not isinstance(as_of, date):
            raise self.fail("as_of", "must be a date (YYYY-MM-DD)")
        return version, as_of

    def benchmarks(self, data: Any, mapping: RoleMapping) -> Benchmarks:
        root = self.mapping(data, "(top level)")
        version, as_of = self.version(root)
        source = self.mapping(self.get(root, "source", ""), "source")
        national = self.mapping(self.get(root, "national", ""), "national")
        return Benchmarks(
            version=version,
            as_of=as_of,
            source_title=self.text(source, "title", "source."),
            source_publisher=self.text(source, "publisher", "source."),
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
            mapping=mapping,
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

    def mapping_file(self, data: Any) -> RoleMapping:
        root = self.mapping(data, "(top level)")
        version, as_of = self.version(root)
        reasons = self.mapping(self.get(root, "reasons", ""), "reasons")
        missing = [key for key in REASONS if not str(reasons.get(key) or "").strip()]
        if missing:
            raise self.fail("reasons", f"must give the words for {', '.join(missing)}")
        families = self.get(root, "families", "")
        if not isinstance(families, list) or not families:
            raise self.fail("families", "must be a non-empty list")
        result = [self.family(item, i) for i, item in enumerate(families)]
        keys = [f.key for f in result]
        if len(set(keys)) != len(keys):
            raise self.fail("families", "lists a family twice")
        words = {str(k): str(v).strip() for k, v in reasons.items()}
        return RoleMapping(version, as_of, words, tuple(result))

    def family(self, data: Any, i: int) -> FamilyMapping:
        f = f"families[{i}]."
        item = self.mapping(data, f"families[{i}]")
        key, label = self.text(item, "key", f), self.text(item, "label", f)
        if item.get("entry"):
            if item.get("guide"):
                raise self.fail(f"{f}guide", "must be absent for an entry family")
            return FamilyMapping(key, label, True)
        guide = self.mapping(self.get(item, "guide", f), f"{f}guide")
        unknown = sorted(set(guide) - set(RUNGS))
        if unknown:
            raise self.fail(f"{f}guide", f"names unknown levels: {', '.join(map(str, unknown))}")
        rules = {rung: self.rule(guide.get(rung), f"{f}guide.{rung}") for rung in RUNGS}
        return FamilyMapping(key, label, False, rules)

    def rule(self, data: Any, field: str) -> GuideRule:
        if data is None:
            raise self.fail(field, "is missing")
        item = self.mapping(data, field)
        figure = self.text(item, "figure", f"{field}.")
        if figure not in FIGURES:
            raise self.fail(f"{field}.figure", f"must be one of {', '.join(FIGURES)}")
        pattern = item.get("title_pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                problem = f"is not a regular expression ({exc})"
                raise self.fail(f"{field}.title_pattern", problem) from exc
        reason = item.get("reason")
        if figure == "none" and reason not in REASONS:
            raise self.fail(f"{field}.reason", f"must be one of {', '.join(REASONS)}")
        return GuideRule(
            figure,
            bool(item.get("regional")),
            None if pattern is None else str(pattern),
            None if reason is None else str(reason),
        )


def _is_alpha2(code: Any) -> bool:
    return isinstance(code, str) and len(code) == 2 and code.isalpha() and code.isupper()
