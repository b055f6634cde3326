"""SmartRecruiters mapper: posting details → Postings, list pages → listed ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import smartrecruiters

REC = Path(__file__).parent / "data" / "recordings" / "smartrecruiters"
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
SOURCE = SourceRef("smartrecruiters-brightwave", "smartrecruiters", "BrightWaveCRO", "BrightWave")


def recording(name: str) -> Any:
    return json.loads((REC / name).read_text())


def parse(doc: Any) -> BoardParse:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    raw = RawPayload(SOURCE.name, "smartrecruiters", "https://api.test/", FETCHED, 200, "", data)
    return smartrecruiters.parse_payload(raw, SOURCE)


def posting(doc: Any) -> Posting:
    result = parse(doc)
    assert result.errors == [] and len(result.postings) == 1
    return result.postings[0]


def test_a_detail_maps_structured_fields():
    cra = posting(recording("posting_cra.json"))
    assert cra.source_id == "744000091234501"
    assert cra.title == "Clinical Research Associate II"
    assert cra.company == "BrightWave CRO"
    assert cra.url == "https://jobs.smartrecruiters.com/BrightWaveCRO/744000091234501-x"
    assert cra.posted_at == datetime(2026, 11, 20, 14, 3, 11, tzinfo=UTC)
    assert (cra.department, cra.employment_type) == ("Clinical Operations", "Full-time")
    assert cra.requisition_id == "REF4501"


def test_lower_case_country_and_remote_flag_are_ground_truth():
    cra = posting(recording("posting_cra.json"))
    assert [(loc.city, loc.country) for loc in cra.locations] == [("Boston", "US")]
    assert (cra.workplace.value, cra.workplace_basis) == ("remote", "board")


def test_hybrid_flag_wins_and_pay_is_read_from_the_job_ad_text():
    ctm = posting(recording("posting_ctm.json"))
    assert (ctm.workplace.value, ctm.workplace_basis) == ("hybrid", "board")
    cra = posting(recording("posting_cra.json"))
    assert cra.salary is not None and cra.salary_basis == "text"
    assert (cra.salary.min, cra.salary.max, cra.salary.period) == (85000, 105000, "year")
    assert "Company Description" in cra.description and "<p>" not in cra.description


def test_both_flags_false_mean_onsite():
    """The API states remote and hybrid as booleans: neither is an on-site posting."""
    cta = posting(recording("posting_cta.json"))
    assert (cta.workplace.value, cta.workplace_basis) == ("onsite", "board")
    assert (cta.salary, cta.salary_basis) == (None, "none")


def test_no_flags_leave_the_workplace_to_the_text():
    doc = recording("posting_cta.json")
    del doc["location"]["remote"], doc["location"]["hybrid"]
    cta = posting(doc)
    assert (cta.workplace.value, cta.workplace_basis) == ("unknown", "none")


def test_experience_level_fills_a_level_the_title_does_not_name():
    doc = recording("posting_cta.json")
    doc["name"] = "Clinical Operations"
    doc["experienceLevel"] = {"id": "director", "label": "Director"}
    assert posting(doc).level == "director"


def test_a_structured_place_without_parsable_text_is_kept():
    doc = recording("posting_cta.json")
    doc["location"] = {"city": "Zzyzx Flats", "country": "gb", "remote": False, "hybrid": False}
    [place] = posting(doc).locations
    assert place.country == "GB"


def test_a_list_page_names_its_ids_and_maps_nothing():
    result = parse(recording("postings_page1.json"))
    assert result.postings == [] and result.errors == []
    assert result.listed_ids == ["744000091234501", "744000091234502", "744000091234503"]


def test_a_detail_without_a_title_is_one_item_error():
    doc = recording("posting_cta.json")
    doc["name"] = None
    result = parse(doc)
    assert result.postings == [] and result.errors[0].item_id == "744000091234504"


@pytest.mark.parametrize("data", [b'{"content": [', b"<html/>", b'{"offset": 0}'])
def test_a_malformed_body_is_one_parse_error(data: bytes):
    result = parse(data)
    assert result.postings == [] and len(result.errors) == 1
