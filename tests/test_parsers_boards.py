"""Board mappers: sample recordings, structured-over-text rules, and bad payloads."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import ashby, greenhouse, lever

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample"
SHARED_ASHBY = REPO.parent / "shared" / "data" / "ashby"
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

GH = SourceRef("greenhouse-northwindbio", "greenhouse", "northwindbio", "Northwind Bio")
TP = SourceRef("lever-trialpath", "lever", "trialpath", "TrialPath CRO")
MC = SourceRef(
    "lever-meridianclinical", "lever", "meridianclinical", "Meridian Clinical", region="eu"
)
ABRIDGE = SourceRef("ashby-abridge", "ashby", "Abridge", "Abridge")
PARSERS = {
    "ashby": ashby.parse_payload,
    "greenhouse": greenhouse.parse_payload,
    "lever": lever.parse_payload,
}


def raw_of(body: bytes, source: SourceRef) -> RawPayload:
    """A RawPayload as the connectors store it."""
    return RawPayload(
        source.name, source.kind, "https://example.test/", FETCHED, 200, "application/json", body
    )


def sample_body(relative: str) -> bytes:
    """A sample file's bytes as served (gzip files decompressed)."""
    data = (SAMPLE / relative).read_bytes()
    return gzip.decompress(data) if relative.endswith(".gz") else data


def sample_json(relative: str) -> Any:
    return json.loads(sample_body(relative))


def parse(source: SourceRef, body: bytes) -> BoardParse:
    return PARSERS[source.kind](raw_of(body, source), source)


def by_title(result: BoardParse, title: str) -> Posting:
    matches = [p for p in result.postings if p.title == title]
    assert len(matches) == 1, [p.title for p in result.postings]
    return matches[0]


@pytest.fixture(scope="module")
def gh() -> BoardParse:
    return parse(GH, sample_body("greenhouse/northwindbio.json"))


@pytest.fixture(scope="module")
def tp() -> BoardParse:
    return parse(TP, sample_body("lever/trialpath.json"))


@pytest.fixture(scope="module")
def mc() -> BoardParse:
    return parse(MC, sample_body("lever/meridianclinical.json"))


# --- the sample maps completely --------------------------------------------------------------

SAMPLE_FILES = [
    ("ashby", "ashby/solace.json.gz", 25),
    ("ashby", "ashby/sonio.json.gz", 8),
    ("ashby", "ashby/Abridge.json.gz", 52),
    ("ashby", "ashby/bayesianhealth.json.gz", 15),
    ("ashby", "ashby/ambiencehealthcare.json.gz", 18),
    ("greenhouse", "greenhouse/northwindbio.json", 12),
    ("lever", "lever/trialpath.json", 12),
    ("lever", "lever/meridianclinical.json", 5),
]


@pytest.mark.parametrize(("kind", "relative", "count"), SAMPLE_FILES)
def test_sample_files_map_every_item(kind: str, relative: str, count: int) -> None:
    source = SourceRef(f"{kind}-x", kind, "x", "Sample Co")
    result = parse(source, sample_body(relative))
    assert result.errors == []
    assert len(result.postings) == count
    for posting in result.postings:
        assert posting.source == "ashby-x" or posting.source == source.name
        assert posting.source_id and posting.url.startswith("https://")
        assert posting.fetched_at == FETCHED
        assert posting.posted_at is not None and posting.posted_at.tzinfo is not None
        assert posting.description
        assert posting.salary_basis == ("none" if posting.salary is None else posting.salary_basis)


def test_sample_responses_manifest_names_existing_files() -> None:
    import yaml

    entries = yaml.safe_load((SAMPLE / "responses.yaml").read_text())
    sources = yaml.safe_load((SAMPLE / "sources.yaml").read_text())["sources"]
    board_files = {e["file"] for e in entries if "/jobs/" not in e["url"]}
    assert board_files == {relative for _, relative, _ in SAMPLE_FILES}
    assert len(board_files) == len(sources) == len(SAMPLE_FILES)
    assert len(entries) == len(sources) + 1  # and the Greenhouse Director's single-job answer
    for entry in entries:
        assert (SAMPLE / entry["file"]).is_file()
        assert entry["method"] == "GET" and entry["status"] == 200


def test_sample_constructed_boards_hold_relevant_postings(gh, tp, mc) -> None:
    postings = gh.postings + tp.postings + mc.postings
    relevant = [p for p in postings if p.relevant]
    assert {"assistant", "manager", "senior", "director", "vp"} <= {p.level for p in relevant}
    lookalikes = {
        "Registered Nurse, Clinical Research Unit",
        "Software Engineer, Clinical Data Platform",
        "Regional Sales Director, Oncology",
        "Clinical Research Nurse (RN)",
        "Business Development Director, Biotech",
    }
    assert not [p.title for p in postings if p.relevant and p.title in lookalikes]


# --- Greenhouse ------------------------------------------------------------------------------


def test_greenhouse_cents_become_board_salary(gh) -> None:
    ctm = by_title(gh, "Clinical Trial Manager")
    assert ctm.salary_basis == "board" and ctm.salary is not None
    assert (ctm.salary.min, ctm.salary.max, ctm.salary.currency, ctm.salary.period) == (
        140000,
        180000,
        "USD",
        "year",
    )
    assert ctm.source_id == "7712425002"
    assert ctm.url == "https://job-boards.greenhouse.io/northwindbio/jobs/7712425002"
    assert ctm.company == "Northwind Bio"
    assert ctm.department == "Clinical Operations"


def test_greenhouse_two_zones_give_the_envelope(gh) -> None:
    salary = by_title(gh, "Sr. Clinical Trial Manager").salary
    assert salary is not None
    assert (salary.min, salary.max, salary.period) == (140000, 195000, "year")


def test_greenhouse_hourly_from_magnitude_and_from_title(gh) -> None:
    cta = by_title(gh, "Clinical Trial Assistant").salary
    nurse = by_title(gh, "Registered Nurse, Clinical Research Unit").salary
    assert cta is not None and (cta.min, cta.max, cta.period) == (30, 38, "hour")
    assert nurse is not None and (nurse.min, nurse.max, nurse.period) == (46, 58, "hour")
    assert cta.annual_min == pytest.approx(30 * cta.annual_min / cta.min)


def test_greenhouse_pay_only_in_text_has_text_basis(gh) -> None:
    director = by_title(gh, "Director of Clinical Operations")
    assert director.salary_basis == "text" and director.salary is not None
    assert (director.salary.min, director.salary.max) == (170000, 200000)


def test_greenhouse_html_entities_are_unescaped(gh) -> None:
    text = by_title(gh, "Clinical Trial Assistant").description
    assert "What you’ll do" in text
    assert "Phase 1–3" in text
    for entity in ("&lt;", "&gt;", "&amp;", "&nbsp;", "&rsquo;", "<p>", "<li>"):
        assert entity not in text


def test_greenhouse_missing_first_published_falls_back_to_updated_at(gh) -> None:
    engineer = by_title(gh, "Software Engineer, Clinical Data Platform")
    assert engineer.posted_at == datetime(2026, 11, 21, 21, 0, tzinfo=UTC)
    director = by_title(gh, "Director of Clinical Operations")  # updated 20 Nov
    assert director.posted_at == datetime(2026, 11, 9, 14, 0, tzinfo=UTC)


def test_greenhouse_remote_location_and_hub(gh) -> None:
    remote = by_title(gh, "Clinical Trial Manager")
    assert remote.location_text == "United States - Remote"
    assert remote.workplace.value == "remote"
    cambridge = by_title(gh, "Sr. Clinical Trial Manager")
    assert cambridge.locations and cambridge.locations[0].country == "US"


# --- Lever -----------------------------------------------------------------------------------


def test_lever_accepts_both_onsite_spellings(tp) -> None:
    hyphen = by_title(tp, "Clinical Trial Manager")
    plain = by_title(tp, "Director, Clinical Operations")
    raw = {p["text"]: p["workplaceType"] for p in sample_json("lever/trialpath.json")}
    assert (raw[hyphen.title], raw[plain.title]) == ("on-site", "onsite")
    for posting in (hyphen, plain):
        assert posting.workplace.value == "onsite" and posting.workplace_basis == "board"


def test_lever_remote_hybrid_and_unspecified(tp) -> None:
    assert by_title(tp, "Head of Clinical Operations").workplace.value == "remote"
    assert by_title(tp, "Senior Clinical Research Associate").workplace.value == "hybrid"
    unspecified = by_title(tp, "Clinical Trial Manager II")
    assert unspecified.workplace_basis != "board"


def test_lever_salary_range_intervals(tp) -> None:
    hourly = by_title(tp, "Clinical Trial Assistant").salary
    monthly = by_title(tp, "Clinical Operations Manager").salary
    yearly = by_title(tp, "Director, Clinical Operations").salary
    assert hourly is not None and (hourly.min, hourly.max, hourly.period) == (24, 30, "hour")
    assert monthly is not None and (monthly.min, monthly.period) == (9500, "month")
    assert monthly.annual_min == pytest.approx(9500 * 12)
    assert yearly is not None
    assert (yearly.min, yearly.max, yearly.period) == (185000, 220000, "year")
    assert by_title(tp, "Director, Clinical Operations").salary_basis == "board"


def test_lever_salary_only_in_additional_plain(tp) -> None:
    spm = by_title(tp, "Senior Clinical Project Manager")
    assert spm.salary_basis == "text" and spm.salary is not None
    assert (spm.salary.min, spm.salary.max, spm.salary.period) == (140000, 175000, "year")


def test_lever_posting_without_pay(tp) -> None:
    ctm2 = by_title(tp, "Clinical Trial Manager II")
    assert ctm2.salary is None and ctm2.salary_basis == "none"


def test_lever_fields(tp) -> None:
    sr_cra = by_title(tp, "Senior Clinical Research Associate")
    first = next(p for p in sample_json("lever/trialpath.json") if p["text"] == sr_cra.title)
    assert sr_cra.source_id == first["id"] and sr_cra.url == first["hostedUrl"]
    assert sr_cra.posted_at == datetime.fromtimestamp(first["createdAt"] / 1000, tz=UTC)
    assert sr_cra.company == "TrialPath CRO" and sr_cra.employment_type == "Full-time"
    assert "Boston, MA" in sr_cra.location_text and "Remote - US" in sr_cra.location_text
    assert "What you bring" in sr_cra.description and "Oncology experience" in sr_cra.description


def test_lever_eu_board_currencies_and_countries(mc) -> None:
    cra = by_title(mc, "Clinical Research Associate")
    assert cra.salary is not None and cra.salary.currency == "EUR"
    assert {loc.country for loc in cra.locations} == {"DE"}
    ctm = by_title(mc, "Clinical Trial Manager")
    assert ctm.salary is not None and ctm.salary.currency == "GBP"
    ad = by_title(mc, "Associate Director, Clinical Operations")
    assert ad.salary_basis == "text" and ad.salary is not None and ad.salary.currency == "GBP"


# --- Ashby -----------------------------------------------------------------------------------


def test_real_ashby_structured_salary_wins() -> None:
    result = parse(ABRIDGE, sample_body("ashby/Abridge.json.gz"))
    nurse = by_title(result, "Nurse Scientist (RN)")
    assert nurse.salary_basis == "board" and nurse.salary is not None
    assert (nurse.salary.min, nurse.salary.max, nurse.salary.currency, nurse.salary.period) == (
        180000,
        250000,
        "USD",
        "year",
    )
    assert nurse.source_id == "12e9e690-2a97-4a08-b1c0-c28629c68442"
    assert nurse.url == "https://jobs.ashbyhq.com/abridge/12e9e690-2a97-4a08-b1c0-c28629c68442"
    assert nurse.company == "Abridge" and nurse.employment_type == "FullTime"
    assert nurse.posted_at == datetime(2025, 9, 10, 21, 56, 30, 619000, tzinfo=UTC)
    assert "New York City-Hybrid" in nurse.location_text
    intern = by_title(result, "Full Stack Engineering Intern")
    assert intern.salary is not None and intern.salary.period == "hour"


def test_real_ashby_salary_matches_summary_component() -> None:
    doc = sample_json("ashby/Abridge.json.gz")
    result = parse(ABRIDGE, sample_body("ashby/Abridge.json.gz"))
    postings = {p.source_id: p for p in result.postings}
    for job in doc["jobs"]:
        salary = [
            c for c in job["compensation"]["summaryComponents"] if c["compensationType"] == "Salary"
        ]
        posting = postings[job["id"]]
        assert posting.salary_basis == "board"
        assert posting.salary is not None
        expected = (salary[0]["minValue"], salary[0]["maxValue"])
        assert (posting.salary.min, posting.salary.max) == expected


def test_ashby_unlisted_job_is_dropped() -> None:
    doc = sample_json("ashby/Abridge.json.gz")
    hidden = doc["jobs"][0]["id"]
    doc["jobs"][0]["isListed"] = False
    result = parse(ABRIDGE, json.dumps(doc).encode())
    assert result.errors == []
    assert len(result.postings) == len(doc["jobs"]) - 1
    assert hidden not in {p.source_id for p in result.postings}


def ashby_job(**fields: Any) -> dict[str, Any]:
    job: dict[str, Any] = {
        "id": "0b7a3f0e-1111-4c3b-9d7e-000000000001",
        "title": "Clinical Operations Manager",
        "location": "Paris office",
        "isListed": True,
        "isRemote": False,
        "publishedAt": "2026-11-20T10:00:00.000+00:00",
        "jobUrl": "https://jobs.ashbyhq.com/example/0b7a3f0e",
        "descriptionPlain": "Run trials.",
        "address": {"postalAddress": {"addressLocality": "Paris", "addressCountry": "France"}},
    }
    job.update(fields)
    return job


def parse_ashby_jobs(*jobs: dict[str, Any]) -> BoardParse:
    source = SourceRef("ashby-example", "ashby", "example", "Example Health")
    return parse(source, json.dumps({"apiVersion": "1", "jobs": list(jobs)}).encode())


def test_ashby_tier_salary_used_when_summary_lacks_it() -> None:
    tiers = [
        {
            "title": f"Zone {n}",
            "components": [
                {
                    "compensationType": "Salary",
                    "interval": "1 YEAR",
                    "currencyCode": "USD",
                    "minValue": low,
                    "maxValue": high,
                    "summary": f"${low} - ${high}",
                }
            ],
        }
        for n, (low, high) in enumerate([(150000, 170000), (130000, 155000)])
    ]
    job = ashby_job(compensation={"summaryComponents": [], "compensationTiers": tiers})
    posting = parse_ashby_jobs(job).postings[0]
    assert posting.salary_basis == "board" and posting.salary is not None
    assert (posting.salary.min, posting.salary.max) == (130000, 170000)


def test_ashby_salary_falls_back_to_description_text() -> None:
    text = "Base salary: $140,000 - $175,000 per year, plus equity."
    posting = parse_ashby_jobs(ashby_job(descriptionPlain=text)).postings[0]
    assert posting.salary_basis == "text" and posting.salary is not None
    assert (posting.salary.min, posting.salary.max) == (140000, 175000)


def test_ashby_is_remote_false_is_not_onsite_by_itself() -> None:
    posting = parse_ashby_jobs(ashby_job()).postings[0]
    assert posting.workplace_basis != "board"
    assert posting.locations and posting.locations[0].country == "FR"
    remote = parse_ashby_jobs(ashby_job(isRemote=True, location="United States")).postings[0]
    assert (remote.workplace.value, remote.workplace_basis) == ("remote", "board")
    typed = parse_ashby_jobs(ashby_job(workplaceType="Hybrid", isRemote=True)).postings[0]
    assert (typed.workplace.value, typed.workplace_basis) == ("hybrid", "board")


def test_ashby_postal_address_fills_missing_country() -> None:
    job = ashby_job(location="Remote", address={"postalAddress": {"addressCountry": "Canada"}})
    posting = parse_ashby_jobs(job).postings[0]
    assert all(loc.country == "CA" for loc in posting.locations)


@pytest.mark.skipif(not SHARED_ASHBY.is_dir(), reason="shared Ashby recordings not present")
def test_shared_ashby_recordings_map_without_errors() -> None:
    boards = sorted(SHARED_ASHBY.glob("*.json.gz"))[:40]
    for path in boards:
        source = SourceRef("ashby-shared", "ashby", path.name, "Shared")
        body = gzip.decompress(path.read_bytes())
        result = parse(source, body)
        listed = [j for j in json.loads(body)["jobs"] if j.get("isListed") is not False]
        assert result.errors == [], path.name
        assert len(result.postings) == len(listed), path.name


# --- bad payloads ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", [GH, TP, ABRIDGE])
@pytest.mark.parametrize("body", [b"<html>Service Unavailable</html>", b"", b"\xff\xfe\x00"])
def test_malformed_body_gives_one_error(source: SourceRef, body: bytes) -> None:
    result = parse(source, body)
    assert result.postings == []
    assert len(result.errors) == 1
    assert result.errors[0].source == source.name and result.errors[0].item_id is None


@pytest.mark.parametrize(
    ("source", "doc"),
    [
        (GH, []),
        (GH, {"jobs": "none"}),
        (TP, {"ok": False, "error": "Document not found"}),
        (ABRIDGE, {"apiVersion": "1"}),
        (ABRIDGE, [1, 2]),
    ],
)
def test_wrong_shape_gives_one_error(source: SourceRef, doc: object) -> None:
    result = parse(source, json.dumps(doc).encode())
    assert result.postings == [] and len(result.errors) == 1


def test_one_bad_lever_item_is_reported_and_others_kept() -> None:
    items = sample_json("lever/trialpath.json")
    bad_id = items[2]["id"]
    del items[2]["text"]
    items.append("not a posting")
    result = parse(TP, json.dumps(items).encode())
    assert len(result.postings) == len(items) - 2
    assert [e.item_id for e in result.errors] == [bad_id, None]
    assert "text" in result.errors[0].message


def test_one_bad_greenhouse_item_is_reported_and_others_kept() -> None:
    doc = sample_json("greenhouse/northwindbio.json")
    doc["jobs"][0]["title"] = None
    doc["jobs"][1]["pay_input_ranges"] = [{"min_cents": "lots", "max_cents": None}]
    result = parse(GH, json.dumps(doc).encode())
    assert [e.item_id for e in result.errors] == [str(doc["jobs"][0]["id"])]
    assert len(result.postings) == len(doc["jobs"]) - 1
    cra = by_title(result, "Clinical Research Associate II")
    assert cra.salary_basis != "board"


def test_one_bad_ashby_item_is_reported_and_others_kept() -> None:
    good = ashby_job()
    bad = ashby_job(id="0b7a3f0e-1111-4c3b-9d7e-000000000002", title=["not", "a", "title"])
    result = parse_ashby_jobs(bad, good)
    assert len(result.postings) == 1
    assert [e.item_id for e in result.errors] == [bad["id"]]


@pytest.mark.parametrize(("country", "currency"), [("CA", "CAD"), ("AU", "AUD"), ("US", "USD")])
def test_lever_text_dollar_is_the_posting_countrys(country: str, currency: str) -> None:
    """Board parsers pass the posting's country: "$" in a Canadian posting is CAD."""
    item = {
        "id": "p1",
        "text": "Clinical Trial Manager",
        "country": country,
        "categories": {"location": "Main office"},
        "descriptionPlain": "Salary: $80,000 - $95,000 per year.",
        "hostedUrl": "https://jobs.lever.co/x/p1",
        "createdAt": 1766095153993,
    }
    result = lever.parse_payload(raw_of(json.dumps([item]).encode(), TP), TP)
    assert not result.errors
    salary = result.postings[0].salary
    assert salary is not None and salary.currency == currency


@pytest.mark.parametrize(
    ("value", "positive", "expected"),
    [
        (120000, False, 120000.0),
        ("120,000", False, 120000.0),
        ("n/a", False, None),
        (True, False, None),
        (None, False, None),
        (0, False, 0.0),
        (0, True, None),
        (-5, True, None),
    ],
)
def test_one_number_helper_for_board_fields(
    value: object, positive: bool, expected: float | None
) -> None:
    from parsers.boards.common import number

    assert number(value, positive=positive) == expected
