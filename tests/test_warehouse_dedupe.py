"""Cross-board duplicates: one canonical job per real job, kept apart when in doubt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.fingerprint import Listed, Place, normalise_company, normalise_title, resolve_places
from core.models import Location, Posting, RawPayload, SourceRef
from pipeline.ingest import FetchResult, store_and_parse
from warehouse.postings import FEW_JOBS, upsert_postings

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
        "SELECT listings, list_sort(sources) AS boards FROM canonical_jobs"
        " ORDER BY listings DESC, title, boards"
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


# --- Through the real board parsers and the real write path (pipeline.ingest.store_and_parse) ---

REC = Path(__file__).parent / "data" / "recordings"
GREENHOUSE_SAMPLE = Path(__file__).parents[1] / "sample" / "greenhouse" / "northwindbio.json"
ORIGIN = "https://larkspur.wd5.myworkdayjobs.com"
WORKDAY_API = f"{ORIGIN}/wday/cxs/larkspur/Larkspur_Careers"
WORKDAY = SourceRef(
    "workday-larkspur",
    "workday",
    "larkspur",
    "Larkspur Therapeutics (LTX)",
    url=ORIGIN,
    params={"site": "Larkspur_Careers"},
)
HIMALAYAS = SourceRef("himalayas-clinops", "himalayas", "himalayas", "Himalayas")
GREENHOUSE = SourceRef("greenhouse-larkspur", "greenhouse", "larkspur", "Larkspur Therapeutics")
USAJOBS = SourceRef("usajobs-clinical", "usajobs", "usajobs", "USAJOBS")
CTM = "Clinical Trial Manager"


def payload(source: SourceRef, url: str, doc: Any) -> RawPayload:
    body = json.dumps(doc).encode()
    return RawPayload(source.name, source.kind, url, T0, 200, "application/json", body)


def workday_detail(title: str, location: str, requisition_id: str) -> RawPayload:
    """A copy of a recorded Workday detail, renamed to the given job."""
    doc = json.loads((REC / "workday" / "detail_ctm_remote.json").read_text())
    path = f"/job/{location.split(',')[0]}/{title.replace(' ', '-')}_{requisition_id}"
    info = doc["jobPostingInfo"]
    info.update(title=title, location=location, jobReqId=requisition_id)
    info["externalUrl"] = f"{ORIGIN}/Larkspur_Careers{path}"
    info["jobRequisitionLocation"]["descriptor"] = location
    return payload(WORKDAY, WORKDAY_API + path, doc)


def himalayas_page(*jobs: tuple[str, str, list[Any]]) -> RawPayload:
    """A copy of a recorded Himalayas page listing (company, title, restrictions) jobs."""
    doc = json.loads((REC / "himalayas" / "search-p1.json").read_text())
    template = doc["jobs"][0]
    doc["jobs"] = [
        {
            **template,
            "companyName": company,
            "title": title,
            "locationRestrictions": places,
            "guid": f"https://himalayas.app/companies/x/jobs/{n}",
        }
        for n, (company, title, places) in enumerate(jobs)
    ]
    return payload(HIMALAYAS, "https://himalayas.app/jobs/api/search?q=clinical&page=1", doc)


def greenhouse_board(location: str, requisition_id: str | None) -> RawPayload:
    """A copy of the sample Greenhouse board holding only its Clinical Trial Manager."""
    doc = json.loads(GREENHOUSE_SAMPLE.read_text())
    [job] = [j for j in doc["jobs"] if j["title"] == CTM]
    job.update(company_name="Larkspur Therapeutics", location={"name": location})
    job["requisition_id"] = requisition_id
    doc["jobs"] = [job]
    return payload(GREENHOUSE, "https://boards-api.greenhouse.io/v1/boards/larkspur/jobs", doc)


def ingest(db, source: SourceRef, *payloads: RawPayload, now: datetime = T0) -> None:
    outcome = store_and_parse(db, FetchResult(source=source, payloads=list(payloads)), now)
    assert outcome.parse_errors == 0 and outcome.postings > 0


def fingerprints(db) -> int:
    row = db.execute("SELECT count(DISTINCT fingerprint) FROM postings").fetchone()
    return int(row[0]) if row else 0


def himalayas_ctm(places: list[Any], title: str = CTM) -> RawPayload:
    return himalayas_page(("Larkspur Therapeutics, Inc.", title, places))


@pytest.mark.parametrize(
    "places",
    [
        ["United States"],
        [{"alpha2": "US", "name": "United States", "slug": "united-states"}],
        ["Canada", "United States"],
    ],
)
@pytest.mark.parametrize("himalayas_first", [False, True])
def test_a_city_listing_and_its_country_only_copy_are_one_job(
    db, places: list[Any], himalayas_first: bool
) -> None:
    boards = [
        (WORKDAY, workday_detail(CTM, "Boston, MA", "R-1")),
        (HIMALAYAS, himalayas_ctm(places)),
    ]
    for source, raw in reversed(boards) if himalayas_first else boards:
        ingest(db, source, raw)
    assert jobs(db) == [(2, ["himalayas-clinops", "workday-larkspur"])]


def test_a_remote_us_listing_merges_with_the_one_city_listing(db) -> None:
    ingest(db, WORKDAY, workday_detail(CTM, "Boston, MA", "R-1"))
    ingest(db, GREENHOUSE, greenhouse_board("Remote - US", None))
    assert jobs(db) == [(2, ["greenhouse-larkspur", "workday-larkspur"])]


def test_a_usajobs_city_listing_and_its_country_only_copy_are_one_job(db) -> None:
    page = json.loads((REC / "usajobs" / "page1.json").read_text())
    ingest(db, USAJOBS, payload(USAJOBS, "https://data.usajobs.gov/api/search?Page=1", page))
    nih_copy = ("National Institutes of Health", "Clinical Research Program Manager", ["USA"])
    ingest(db, HIMALAYAS, himalayas_page(nih_copy))
    merged = db.execute("SELECT list_sort(sources) FROM canonical_jobs WHERE listings > 1")
    assert merged.fetchall() == [(["himalayas-clinops", "usajobs-clinical"],)]


def test_another_job_in_another_city_is_no_candidate(db) -> None:
    cra = "Clinical Research Associate"
    ingest(
        db,
        WORKDAY,
        workday_detail(CTM, "Boston, MA", "R-1"),
        workday_detail(cra, "Raleigh, NC", "R-2"),
    )
    company = "Larkspur Therapeutics"
    ingest(db, HIMALAYAS, himalayas_page((company, CTM, ["US"]), (company, cra, ["US"])))
    assert jobs(db) == [
        (2, ["himalayas-clinops", "workday-larkspur"]),
        (2, ["himalayas-clinops", "workday-larkspur"]),
    ]


def test_two_cities_and_one_country_only_listing_stay_apart(db) -> None:
    ingest(
        db,
        WORKDAY,
        workday_detail(CTM, "Boston, MA", "R-1"),
        workday_detail(CTM, "Raleigh, NC", "R-2"),
    )
    ingest(db, HIMALAYAS, himalayas_ctm(["United States"]))
    assert jobs(db) == [
        (1, ["himalayas-clinops"]),
        (1, ["workday-larkspur"]),
        (1, ["workday-larkspur"]),
    ]


def test_a_second_city_listed_later_splits_the_country_only_copy_off(db) -> None:
    boston = workday_detail(CTM, "Boston, MA", "R-1")
    ingest(db, WORKDAY, boston)
    ingest(db, HIMALAYAS, himalayas_ctm(["United States"]))
    assert [n for n, _ in jobs(db)] == [2]
    later = T0 + timedelta(hours=6)
    ingest(db, WORKDAY, boston, workday_detail(CTM, "Raleigh, NC", "R-2"), now=later)
    assert [n for n, _ in jobs(db)] == [1, 1, 1]


def test_a_city_in_another_country_is_no_candidate(db) -> None:
    ingest(db, WORKDAY, workday_detail(CTM, "London, United Kingdom", "R-1"))
    ingest(db, HIMALAYAS, himalayas_ctm(["United States"]))
    assert [n for n, _ in jobs(db)] == [1, 1]


def test_differing_requisition_ids_stay_apart_across_boards(db) -> None:
    ingest(db, WORKDAY, workday_detail(CTM, "Boston, MA", "R-1"))
    ingest(db, GREENHOUSE, greenhouse_board("Remote - US", "CO-2617"))
    assert fingerprints(db) == 1  # the place matches: only the requisition ids keep them apart
    assert [n for n, _ in jobs(db)] == [1, 1]


def test_two_requisitions_in_one_city_keep_the_country_only_copy_apart(db) -> None:
    ingest(
        db,
        WORKDAY,
        workday_detail(CTM, "Boston, MA", "R-1"),
        workday_detail(CTM, "Boston, MA", "R-2"),
    )
    ingest(db, HIMALAYAS, himalayas_ctm(["United States"]))
    assert [n for n, _ in jobs(db)] == [1, 1, 1]


def test_differing_levels_stay_apart_across_boards(db) -> None:
    # Same normalised title ("site" is a workplace word there), different rung on the ladder.
    ingest(db, WORKDAY, workday_detail("Clinical Research Manager", "Boston, MA", "R-1"))
    ingest(db, HIMALAYAS, himalayas_ctm(["United States"], "Clinical Research Site Manager"))
    assert fingerprints(db) == 1  # company, title and place match: only the level differs
    levels = db.execute("SELECT level FROM canonical_jobs ORDER BY level").fetchall()
    assert levels == [("assistant",), ("manager",)]


def test_company_names_normalise_across_boards() -> None:
    same = [
        ("IQVIA", "IQVIA Inc."),
        ("Thermo Fisher Scientific", "Thermo Fisher"),
        ("Thermo Fisher Scientific (PPD)", "Thermo Fisher Scientific Inc."),
        ("ICON plc", "ICON"),
        ("Parexel International", "Parexel"),
        ("Syneos Health", "Syneos Health, Inc."),
        ("Johnson & Johnson", "Johnson and Johnson"),
        ("Eli Lilly and Company", "Eli Lilly"),
        ("Nestlé Health Science", "Nestle Health Science"),
    ]
    for one, other in same:
        assert normalise_company(one) == normalise_company(other), (one, other)
    assert normalise_company("Scientific") == "scientific"  # never empty
    assert normalise_company("Worldwide Clinical Trials") != normalise_company("Worldwide")


def test_a_country_only_listing_takes_the_only_city_within_its_places() -> None:
    boston = Listed(("w", "1"), "fp-boston", (Place("Boston", "MA", "US"),))
    raleigh = Listed(("w", "2"), "fp-raleigh", (Place("Raleigh", "NC", "US"),))
    massachusetts = Listed(("h", "1"), "fp-ma", (Place(None, "MA", "US"),))
    country = Listed(("h", "2"), "fp-us", (Place(None, None, "US"),))
    assert resolve_places([boston, raleigh, massachusetts, country]) == {
        ("w", "1"): "fp-boston",
        ("w", "2"): "fp-raleigh",
        ("h", "1"): "fp-boston",
        ("h", "2"): "fp-us",
    }
    other_job = Listed(("w", "3"), "cra-raleigh", (Place("Raleigh", "NC", "US"),))
    assert resolve_places([boston, country, other_job])[("h", "2")] == "fp-boston"
    nowhere = Listed(("h", "3"), "fp-none", ())
    assert resolve_places([boston, nowhere]) == {("w", "1"): "fp-boston", ("h", "3"): "fp-none"}


@pytest.mark.parametrize("others", [0, FEW_JOBS + 4], ids=["few-jobs", "many-jobs"])
def test_a_country_only_copy_merges_however_many_jobs_its_payload_holds(db, others: int) -> None:
    ingest(db, WORKDAY, workday_detail(CTM, "Boston, MA", "R-1"))
    company = "Larkspur Therapeutics"
    fillers = [(f"Filler Co {n}", f"Study Start-Up Lead {n}", ["US"]) for n in range(others)]
    ingest(db, HIMALAYAS, himalayas_page((company, CTM, ["US"]), *fillers))
    assert jobs(db)[0] == (2, ["himalayas-clinops", "workday-larkspur"])
    assert [n for n, _ in jobs(db)[1:]] == [1] * others
