"""Cross-board duplicates: one canonical job per real job, kept apart when in doubt."""

from __future__ import annotations

from datetime import UTC, datetime

from core.fingerprint import normalise_company, normalise_title
from core.models import Location, Posting
from warehouse.postings import upsert_postings

T0 = datetime(2026, 11, 2, tzinfo=UTC)
BOSTON = [Location(city="Boston", region="MA", country="US", hub="Boston")]


def listing(source: str, source_id: str, title: str, company: str = "IQVIA", **kw) -> Posting:
    kw.setdefault("level", "senior")
    return Posting(
        source=source,
        source_id=source_id,
        url="https://x.test",
        title=title,
        company=company,
        locations=kw.pop("locations", BOSTON),
        relevant=True,
        **kw,
    )


def jobs(db) -> list[tuple]:
    return db.execute(
        "SELECT listings, list_sort(sources) FROM canonical_jobs ORDER BY listings DESC, title"
    ).fetchall()


def test_normalisation_of_companies_and_titles() -> None:
    assert normalise_company("IQVIA Inc.") == normalise_company("iqvia") == "iqvia"
    assert normalise_title("Sr. CTM - Remote") == "senior clinical trial manager"
    assert (
        normalise_title("Senior Clinical Trial Manager (Hybrid)") == "senior clinical trial manager"
    )
    assert normalise_title("Clinical Trial Manager II") != normalise_title("Clinical Trial Manager")


def test_the_same_job_on_two_boards_is_one_canonical_job(db) -> None:
    upsert_postings(
        db, [listing("workday-iqvia", "/job/1", "Sr. CTM - Remote", "IQVIA Inc.")], None, T0
    )
    upsert_postings(db, [listing("himalayas", "h1", "Senior Clinical Trial Manager")], None, T0)
    assert jobs(db) == [(2, ["himalayas", "workday-iqvia"])]


def test_different_levels_or_places_stay_apart(db) -> None:
    upsert_postings(
        db,
        [
            listing("a", "1", "Clinical Trial Manager", level="manager"),
            listing("b", "2", "Clinical Trial Manager", level="senior"),
            listing(
                "c",
                "3",
                "Clinical Trial Manager",
                level="manager",
                locations=[Location(city="San Diego", country="US")],
            ),
        ],
        None,
        T0,
    )
    assert [n for n, _ in jobs(db)] == [1, 1, 1]


def test_different_requisition_ids_veto_a_merge_and_doubt_keeps_apart(db) -> None:
    upsert_postings(
        db,
        [
            listing("a", "1", "Senior CTM", requisition_id="R-1"),
            listing("b", "2", "Senior CTM", requisition_id="R-2"),
            listing("c", "3", "Senior CTM", requisition_id="R-1"),
            listing("d", "4", "Senior CTM"),
        ],
        None,
        T0,
    )
    assert jobs(db) == [(2, ["a", "c"]), (1, ["b"]), (1, ["d"])]


def test_one_requisition_id_with_unnumbered_listings_merges(db) -> None:
    upsert_postings(
        db,
        [listing("a", "1", "Senior CTM", requisition_id="R-1"), listing("b", "2", "Senior CTM")],
        None,
        T0,
    )
    assert jobs(db) == [(2, ["a", "b"])]
