"""The user views hold the values they document, on a small warehouse of known postings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.benchmarks import PostedPay, compare_to_benchmark, load_benchmarks
from core.models import Location, Posting, Salary, Workplace
from warehouse.benchmarks import store_benchmarks
from warehouse.db import connect_writer
from warehouse.postings import close_missing, upsert_postings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "warehouse.md"
WEEK1 = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
WEEK2 = datetime(2026, 10, 12, tzinfo=UTC)
CLOSED_AT = datetime(2026, 10, 20, 9, tzinfo=UTC)


def at(week: datetime, day: int) -> datetime:
    """9:00 UTC on the given day (0 = Monday) of a week."""
    return week.replace(day=week.day + day, hour=9)


def usd(low: float, high: float) -> Salary:
    return Salary(low, high, "USD", "year", low, high, low, high, "")


def posting(
    n: int,
    source: str,
    *,
    level: str | None,
    country: str,
    workplace: str,
    pay: Salary | None = None,
    hub: str | None = None,
    description: str = "",
    relevant: bool = True,
) -> Posting:
    return Posting(
        source=source,
        source_id=str(n),
        url=f"https://jobs.example/{n}",
        title=f"Clinical Operations role {n}",
        company=f"Company {n}",
        locations=[Location(city=f"City {n}", country=country, hub=hub)],
        workplace=Workplace(workplace),  # type: ignore[arg-type]
        workplace_basis="board",
        salary=pay,
        salary_basis="board" if pay else "none",
        relevant=relevant,
        family="clinical_operations",
        level=level,  # type: ignore[arg-type]
        description=description,
    )


# (first seen, posting); posting 8 closes at CLOSED_AT, posting 9 is not clinical operations.
POSTINGS: list[tuple[datetime, Posting]] = [
    (at(WEEK1, 0), posting(1, "board-a", level="senior", country="US", workplace="remote",
                           pay=usd(150_000, 164_000), hub="Boston",
                           description="Oversee GCP and ICH compliance; CTMS and Veeva Vault.")),
    (at(WEEK1, 2), posting(2, "board-a", level="manager", country="US", workplace="hybrid",
                           pay=usd(95_000, 107_000), hub="Boston",
                           description="Good Clinical Practice; own the study budget.")),
    (at(WEEK1, 3), posting(3, "board-a", level="senior", country="DE", workplace="hybrid",
                           pay=usd(80_000, 100_000), description="Veeva CTMS administration.")),
    (at(WEEK1, 1), posting(8, "board-a", level="assistant", country="US", workplace="onsite",
                           pay=usd(70_000, 90_000), hub="Raleigh-Durham",
                           description="GCP, CTMS, Veeva and PMP.")),
    (at(WEEK1, 1), posting(9, "board-b", level="manager", country="US", workplace="remote",
                           pay=usd(100_000, 120_000), description="GCP CTMS Veeva PMP",
                           relevant=False)),
    (at(WEEK2, 0), posting(4, "board-b", level="director", country="GB", workplace="remote",
                           pay=usd(150_000, 150_000),
                           description="Oncology programmes; vendor oversight and RBQM.")),
    (at(WEEK2, 1), posting(5, "board-b", level=None, country="BR", workplace="onsite",
                           pay=usd(80_000, 90_000))),
    (at(WEEK2, 2), posting(6, "board-b", level="senior", country="IN", workplace="remote",
                           pay=usd(150_000, 164_000), description="Manage CROs.")),
    (at(WEEK2, 3), posting(7, "board-a", level="manager", country="US", workplace="remote",
                           hub="Boston", description="GCP required.")),
    (at(WEEK2, 4), posting(10, "board-b", level=None, country="US", workplace="onsite",
                           pay=usd(100_000, 130_000), hub="San Diego",
                           description="EDC (Medidata Rave).")),
    (at(WEEK2, 4), posting(11, "board-b", level="director", country="US", workplace="unknown")),
]  # fmt: skip
OPEN_RELEVANT = {"1", "2", "3", "4", "5", "6", "7", "10", "11"}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated warehouse file holding POSTINGS and the guide's benchmarks."""
    con = connect_writer(tmp_path_factory.mktemp("views") / "w.duckdb")
    con.execute("SET TimeZone = 'UTC'")
    store_benchmarks(con, load_benchmarks())
    for first_seen, p in POSTINGS:
        upsert_postings(con, [p], None, first_seen)
    board_a = [p.source_id for _, p in POSTINGS if p.source == "board-a" and p.source_id != "8"]
    assert close_missing(con, "board-a", board_a, CLOSED_AT) == 1
    yield con
    con.close()


def query(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def days_since(first_seen: datetime) -> int:
    """Calendar days from first_seen to today (UTC): what days_open counts for open postings."""
    return (datetime.now(UTC).date() - first_seen.date()).days


# ---------------------------------------------------------------- postings_vs_benchmark

BENCHMARK_COLUMNS = (
    "benchmark_basis, benchmark_label, benchmark_usd, delta_pct, "
    "region, region_usd_min, region_usd_max, region_position, no_comparison_reason"
)


def test_postings_vs_benchmark_values(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        f"SELECT source_id, salary_usd_mid, {BENCHMARK_COLUMNS} "
        "FROM postings_vs_benchmark ORDER BY source_id::INT"
    ).fetchall()
    senior = "Senior Clinical Operations Manager"
    europe = ("Western Europe", 75_000, 130_000)
    assert rows == [
        # US: the rung's US median.
        ("1", 157_000, "level", senior, 140_000, 12.1, None, None, None, None, None),
        ("2", 101_000, "level", "Clinical Operations Manager", 110_000, -8.2,
         None, None, None, None, None),
        # A guide region, a manager-ladder rung: the region's range, no median.
        ("3", 90_000, "region", "Western Europe", None, None, *europe, "within", None),
        # A guide region, a director: the guide has no regional figure for the level.
        ("4", 150_000, "none", None, None, None, None, None, None, None, "level"),
        # Level unknown in a guide region: the region's range (in USD, the range's currency).
        ("5", 85_000, "region", "Latin America", None, None,
         "Latin America", 40_000, 70_000, "above", None),
        # No guide figure for the country.
        ("6", 157_000, "none", None, None, None, None, None, None, None, "country"),
        # US, level unknown: the US national median.
        ("10", 115_000, "national", "US national median", 110_680, 3.9,
         None, None, None, None, None),
    ]  # fmt: skip


def test_postings_vs_benchmark_leaves_out_no_salary_closed_and_irrelevant(
    wh: duckdb.DuckDBPyConnection,
) -> None:
    ids = {r[0] for r in wh.execute("SELECT source_id FROM postings_vs_benchmark").fetchall()}
    assert ids == OPEN_RELEVANT - {"7", "11"}


def test_postings_vs_benchmark_agrees_with_the_digest_comparison(
    wh: duckdb.DuckDBPyConnection,
) -> None:
    bm = load_benchmarks()
    rows = query(wh, "SELECT * FROM postings_vs_benchmark")
    assert rows
    for row in rows:
        posted = PostedPay(
            row["family"], row["level"], row["title"], row["country"], row["salary_currency"],
            row["salary_annual_mid"], None, row["salary_usd_annual_min"],
            row["salary_usd_annual_max"],
        )  # fmt: skip
        c = compare_to_benchmark(bm, posted)
        assert c is not None
        assert (row["benchmark_basis"], row["region"]) == (c.basis, c.region)
        assert row["no_comparison_reason"] == c.reason
        assert row["benchmark_usd"] == c.reference_usd
        if c.region is not None:
            assert row["region_position"] == c.position
        if c.delta_pct is None:
            assert row["delta_pct"] is None
        else:
            assert abs(row["delta_pct"] - c.delta_pct) <= 0.5


# ---------------------------------------------------------------- days_open


def test_current_postings_are_open_and_relevant_with_days_open(
    wh: duckdb.DuckDBPyConnection,
) -> None:
    rows = dict(wh.execute("SELECT source_id, days_open FROM current_postings").fetchall())
    first_seen = {p.source_id: seen for seen, p in POSTINGS}
    assert rows == {i: days_since(first_seen[i]) for i in OPEN_RELEVANT}


def test_days_open_for_every_relevant_posting(wh: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r["source_id"]: (r["status"], r["days_open"])
        for r in query(wh, "SELECT source_id, status, days_open FROM postings_lifecycle")
    }
    assert set(rows) == OPEN_RELEVANT | {"8"}
    assert rows["8"] == ("closed", 14)  # closed_at - first_seen
    assert rows["1"] == ("open", days_since(at(WEEK1, 0)))
    assert rows["11"] == ("open", days_since(at(WEEK2, 4)))
    vs_benchmark = dict(
        wh.execute("SELECT source_id, days_open FROM postings_vs_benchmark").fetchall()
    )
    assert vs_benchmark["3"] == days_since(at(WEEK1, 3))


# ---------------------------------------------------------------- market views


def test_market_by_week(wh: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0].date(), r[1], r[2]): r[3:]
        for r in wh.execute(
            "SELECT week, level, hub, new_postings, remote_postings, with_salary,"
            " median_salary_usd FROM market_by_week"
        ).fetchall()
    }
    w1, w2 = date(2026, 10, 5), date(2026, 10, 12)
    # (new, remote, with salary, median salary)
    assert rows == {
        (w1, "senior", "Boston"): (1, 1, 1, 157_000),
        (w1, "manager", "Boston"): (1, 0, 1, 101_000),
        (w1, "senior", "other"): (1, 0, 1, 90_000),
        (w1, "assistant", "Raleigh-Durham"): (1, 0, 1, 80_000),
        (w2, "director", "other"): (2, 1, 1, 150_000),
        (w2, "unknown", "other"): (1, 0, 1, 85_000),
        (w2, "senior", "other"): (1, 1, 1, 157_000),
        (w2, "manager", "Boston"): (1, 1, 0, None),
        (w2, "unknown", "San Diego"): (1, 0, 1, 115_000),
    }


def test_salary_transparency(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        "SELECT week::DATE, source, postings, with_salary, transparency_pct"
        " FROM salary_transparency ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        (date(2026, 10, 5), "board-a", 4, 4, 100.0),
        (date(2026, 10, 12), "board-a", 1, 0, 0.0),
        (date(2026, 10, 12), "board-b", 5, 4, 80.0),
    ]


def test_skills_demand_counts_open_relevant_descriptions(wh: duckdb.DuckDBPyConnection) -> None:
    found = wh.execute("SELECT skill, postings, share_pct FROM skills_demand").fetchall()
    rows = {r[0]: r[1:] for r in found}
    assert rows["GCP / ICH"] == (3, 33.3)
    assert rows["CTMS"] == (2, 22.2)
    assert rows["Veeva"] == (2, 22.2)
    assert rows["EDC"] == rows["Medidata"] == (1, 11.1)
    assert rows["RBQM"] == rows["Oncology"] == rows["Vendor / CRO oversight"] == (1, 11.1)
    assert rows["Budget management"] == (1, 11.1)
    assert rows["PMP"] == (0, 0.0)  # only the closed and the irrelevant posting ask for it


# ---------------------------------------------------------------- documentation


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


def test_docs_have_example_queries() -> None:
    assert len(doc_queries()) >= 8


@pytest.mark.parametrize("sql", doc_queries(), ids=lambda q: q.strip().splitlines()[0][:50])
def test_every_documented_query_runs(wh: duckdb.DuckDBPyConnection, sql: str) -> None:
    wh.execute(sql).fetchall()


def test_skills_demand_by_level_shares_within_each_level(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        "SELECT level, sum(postings) FROM skills_demand_by_level WHERE skill = 'GCP / ICH'"
        " GROUP BY 1"
    ).fetchall()
    total = wh.execute("SELECT postings FROM skills_demand WHERE skill = 'GCP / ICH'").fetchone()
    assert total is not None and sum(n for _, n in rows) == total[0]  # the same postings
    shares = wh.execute(
        "SELECT s.level, s.postings, s.share_pct, l.n FROM skills_demand_by_level s JOIN"
        " (SELECT coalesce(level, 'unspecified') AS level, count(*) AS n FROM current_postings"
        "  GROUP BY 1) l USING (level)"
    ).fetchall()
    assert shares and all(round(100.0 * p / n, 1) == pct for _, p, pct, n in shares)


def test_market_by_posted_week_counts_by_the_boards_date(wh: duckdb.DuckDBPyConnection) -> None:
    posted = wh.execute("SELECT sum(new_postings) FROM market_by_posted_week").fetchone()
    seen = wh.execute("SELECT sum(new_postings) FROM market_by_week").fetchone()
    assert posted == seen  # the same postings, dated differently
    wh.execute("CREATE TEMP TABLE keep AS SELECT source, source_id, posted_at FROM postings")
    wh.execute("UPDATE postings SET posted_at = TIMESTAMPTZ '2026-09-01 10:00:00+00'"
               " WHERE source_id = '1'")  # fmt: skip
    try:
        weeks = wh.execute(
            "SELECT week::DATE, sum(new_postings), sum(dated_by_first_seen)"
            " FROM market_by_posted_week GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        wh.execute("UPDATE postings p SET posted_at = k.posted_at FROM keep k"
                   " WHERE p.source = k.source AND p.source_id = k.source_id")  # fmt: skip
    assert weeks[0][:2] == (date(2026, 8, 31), 1)
    assert weeks[0][2] == 0  # dated by the board
