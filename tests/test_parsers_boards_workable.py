"""Workable mapper: v2 job details → Postings, v3 search pages → listed ids."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import workable

REC = Path(__file__).parent / "data" / "recordings" / "workable"
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
SOURCE = SourceRef("workable-halcyon", "workable", "halcyon-trials", "Halcyon Trials")


def recording(name: str) -> Any:
    return json.loads((REC / name).read_text())


def parse(doc: Any) -> BoardParse:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    raw = RawPayload(SOURCE.name, "workable", "https://api.test/", FETCHED, 200, "", data)
    return workable.parse_payload(raw, SOURCE)


def posting(doc: Any) -> Posting:
    result = parse(doc)
    assert result.errors == [] and len(result.postings) == 1
    return result.postings[0]


def test_a_detail_maps_to_a_posting_keyed_by_shortcode():
    ctm = posting(recording("job_ctm.json"))
    assert ctm.source_id == "A1B2C3D4E5"
    assert ctm.url == "https://apply.workable.com/halcyon-trials/j/A1B2C3D4E5/"
    assert (ctm.title, ctm.company, ctm.level) == (
        "Clinical Trial Manager",
        "Halcyon Trials",
        "manager",
    )
    assert ctm.posted_at == datetime(2026, 11, 19, tzinfo=UTC)
    assert (ctm.department, ctm.employment_type) == ("Clinical", "full")
    assert [(loc.city, loc.country) for loc in ctm.locations] == [("Amsterdam", "NL")]
    assert "5 years of trial management" in ctm.description  # requirements
    assert "Salary:" in ctm.description  # benefits


def test_workplace_is_the_board_flag():
    assert [
        (p.workplace.value, p.workplace_basis)
        for p in (posting(recording(n)) for n in ("job_ctm.json", "job_cra.json", "job_cpm.json"))
    ] == [("hybrid", "board"), ("remote", "board"), ("onsite", "board")]


def test_the_remote_boolean_when_workplace_is_missing():
    doc = recording("job_cra.json")
    del doc["workplace"]
    assert (posting(doc).workplace.value, posting(doc).workplace_basis) == ("remote", "board")


def test_pay_is_read_from_the_text():
    ctm = posting(recording("job_ctm.json"))
    assert ctm.salary is not None and ctm.salary_basis == "text"
    assert (ctm.salary.min, ctm.salary.max, ctm.salary.currency) == (70000, 85000, "EUR")
    cra = posting(recording("job_cra.json"))
    assert (cra.salary, cra.salary_basis) == (None, "none")


def test_country_code_fills_a_place_the_text_cannot_name():
    doc = recording("job_cpm.json")
    doc["locations"] = [{"country": "", "countryCode": "de", "city": "Zzyzx", "region": ""}]
    [place] = posting(doc).locations
    assert place.country == "DE"


def test_a_search_page_names_its_shortcodes():
    result = parse(recording("jobs_page1.json"))
    assert result.postings == [] and result.errors == []
    assert result.listed_ids == ["A1B2C3D4E5", "F6A7B8C9D0", "0D9C8B7A6F"]


def test_a_detail_without_a_title_is_one_item_error():
    doc = recording("job_cpm.json")
    doc["title"] = "  "
    result = parse(doc)
    assert result.postings == [] and result.errors[0].item_id == "4411004"


@pytest.mark.parametrize("data", [b'{"results": [', b"<html/>", b'{"total": 3}'])
def test_a_malformed_body_is_one_parse_error(data: bytes):
    result = parse(data)
    assert result.postings == [] and len(result.errors) == 1
