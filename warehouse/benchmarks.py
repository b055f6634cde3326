"""The guide's benchmarks as a table users can join in SQL."""

from __future__ import annotations

from typing import Any

import duckdb

from core.benchmarks import RUNGS, Benchmarks
from warehouse.db import transaction

COLUMNS = (
    "kind", "key", "label", "currency", "low", "median", "average", "high",
    "usd_low", "usd_high", "years", "note", "source", "version",
)  # fmt: skip


def _row(kind: str, key: str, label: str, **values: Any) -> tuple[Any, ...]:
    """A `benchmarks` row: the columns named, NULL for the others."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise ValueError(f"no benchmarks column {', '.join(sorted(unknown))}")
    named = {"kind": kind, "key": key, "label": label, **values}
    return tuple(named.get(column) for column in COLUMNS)


def benchmark_rows(b: Benchmarks) -> list[tuple[Any, ...]]:
    """One row per figure, in the order of `COLUMNS`."""
    version = f"{b.version} ({b.as_of.isoformat()})"
    cited = {"source": b.citation, "version": version}
    rows = [
        _row(
            "national", "US", "US national median", currency="USD", low=b.range_min_usd,
            median=b.national_median_usd, high=b.range_max_usd, usd_low=b.range_min_usd,
            usd_high=b.range_max_usd, note=b.national_median_source, **cited,
        ),
        _row(
            "outlook", "growth_pct", "Growth outlook", median=b.growth_pct,
            note=b.growth_period, **cited,
        ),
        _row(
            "outlook", "annual_openings", "Annual openings", median=b.annual_openings,
            note="BLS projection", **cited,
        ),
    ]  # fmt: skip
    for lv in b.levels:
        years = f"{lv.years_min}-{lv.years_max}" if lv.years_max else f"{lv.years_min}+"
        rows.append(
            _row(
                "level", lv.key, lv.name, currency="USD", median=lv.median_usd,
                average=lv.average_usd, years=years, note=lv.label, **cited,
            )
        )  # fmt: skip
    for r in b.regions:
        rows.append(
            _row(
                "region", r.key, r.name, currency=r.currency, low=r.local_min,
                high=r.local_max, usd_low=r.usd_min, usd_high=r.usd_max,
                note=",".join(r.countries), **cited,
            )
        )  # fmt: skip
    for h in b.hubs:
        rows.append(_row("hub", h.name, h.name, note="; ".join(h.aliases), **cited))
    for key, words in b.mapping.reasons.items():
        rows.append(_row("reason", key, words, version=version))
    return rows


def mapping_rows(b: Benchmarks) -> list[tuple[Any, ...]]:
    """One row per (family, rung): (family, level, family_label, figure, regional,
    title_pattern, reason, version); entry families get `none` for every rung."""
    mapping = b.mapping
    version = f"{mapping.version} ({mapping.as_of.isoformat()})"
    rows: list[tuple[Any, ...]] = []
    for family in mapping.families:
        for rung in RUNGS:
            rule = family.rules.get(rung) or mapping.rule(family.key, rung)
            rows.append(
                (
                    family.key,
                    rung,
                    family.label,
                    rule.figure,
                    rule.regional,
                    rule.title_pattern,
                    rule.reason,
                    version,
                )
            )
    return rows


def store_benchmarks(con: duckdb.DuckDBPyConnection, benchmarks: Benchmarks) -> int:
    """Replace the benchmarks and benchmark_mapping tables with the given version's."""
    rows = benchmark_rows(benchmarks)
    with transaction(con):
        con.execute("DELETE FROM benchmarks")
        con.executemany(
            "INSERT INTO benchmarks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
        con.execute("DELETE FROM benchmark_mapping")
        con.executemany(
            "INSERT INTO benchmark_mapping VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            mapping_rows(benchmarks),
        )
    return len(rows)
