"""The guide's benchmarks as a table users can join in SQL."""

from __future__ import annotations

from typing import Any

import duckdb

from core.benchmarks import RUNGS, Benchmarks
from warehouse.db import transaction


def benchmark_rows(b: Benchmarks) -> list[tuple[Any, ...]]:
    """One row per figure: (kind, key, label, currency, low, median, average, high,
    usd_low, usd_high, years, note, source, version)."""
    version = f"{b.version} ({b.as_of.isoformat()})"
    rows: list[tuple[Any, ...]] = [
        (
            "national",
            "US",
            "US national median",
            "USD",
            b.range_min_usd,
            b.national_median_usd,
            None,
            b.range_max_usd,
            b.range_min_usd,
            b.range_max_usd,
            None,
            b.national_median_source,
            b.citation,
            version,
        ),
        (
            "outlook",
            "growth_pct",
            "Growth outlook",
            None,
            None,
            b.growth_pct,
            None,
            None,
            None,
            None,
            None,
            b.growth_period,
            b.citation,
            version,
        ),
        (
            "outlook",
            "annual_openings",
            "Annual openings",
            None,
            None,
            b.annual_openings,
            None,
            None,
            None,
            None,
            None,
            "BLS projection",
            b.citation,
            version,
        ),
    ]
    for lv in b.levels:
        years = f"{lv.years_min}-{lv.years_max}" if lv.years_max else f"{lv.years_min}+"
        rows.append(
            (
                "level",
                lv.key,
                lv.name,
                "USD",
                None,
                lv.median_usd,
                lv.average_usd,
                None,
                None,
                None,
                years,
                lv.label,
                b.citation,
                version,
            )
        )
    for r in b.regions:
        rows.append(
            (
                "region",
                r.key,
                r.name,
                r.currency,
                r.local_min,
                None,
                None,
                r.local_max,
                r.usd_min,
                r.usd_max,
                None,
                ",".join(r.countries),
                b.citation,
                version,
            )
        )
    for h in b.hubs:
        rows.append(
            (
                "hub",
                h.name,
                h.name,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "; ".join(h.aliases),
                b.citation,
                version,
            )
        )
    for key, words in b.mapping.reasons.items():
        rows.append(
            (
                "reason",
                key,
                words,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                version,
            )
        )
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
