"""Recruitee mapper: offers → Postings with structured salary, workplace and country."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import recruitee

REC = Path(__file__).parent / "data" / "recordings" / "recruitee"
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
SOURCE = SourceRef("recruitee-nordlys", "recruitee", "nordlysresearch", "Nordlys Research")


def recording(name: str = "offers.json") -> Any:
    return json.loads((REC / name).read_text())


def parse(doc: Any) -> BoardParse:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    raw = RawPayload(
        SOURCE.name,
        "recruitee",
        "https://x.recruitee.com/api/offers/",
        FETCHED,
        200,
        "application/json",
        data,
    )
    return recruitee.parse_payload(raw, SOURCE)


def by_id(result: BoardParse, source_id: str) -> Posting:
    return next(p for p in result.postings if p.source_id == source_id)


def test_published_offers_are_postings_and_drafts_are_skipped():
    result = parse(recording())
    assert result.errors == []
    assert [p.source_id for p in result.postings] == ["1902311", "1902312", "1902313"]


def test_an_offer_maps_its_fields():
    ctm = by_id(parse(recording()), "1902311")
    assert (ctm.title, ctm.company) == ("Clinical Trial Manager", "Nordlys Research AS")
    assert ctm.url == "https://nordlysresearch.recruitee.com/o/clinical-trial-manager-oslo"
    assert ctm.posted_at == datetime(2026, 11, 18, 9, 15, tzinfo=UTC)  # "... UTC" form
    assert (ctm.department, ctm.employment_type) == ("Clinical Operations", "fulltime_permanent")
    assert "4+ years as CTM" in ctm.description
    assert [(loc.city, loc.country) for loc in ctm.locations] == [("Oslo", "NO")]


def test_structured_salary_wins_with_basis_board():
    ctm = by_id(parse(recording()), "1902311")
    assert ctm.salary is not None and ctm.salary_basis == "board"
    assert (ctm.salary.min, ctm.salary.max, ctm.salary.currency, ctm.salary.period) == (
        650000,
        780000,
        "NOK",
        "year",
    )


def test_an_empty_salary_falls_back_to_the_text():
    cra = by_id(parse(recording()), "1902312")
    assert cra.salary is not None and cra.salary_basis == "text"
    assert (cra.salary.currency, cra.salary.period) == ("DKK", "month")
    lab = by_id(parse(recording()), "1902313")
    assert (lab.salary, lab.salary_basis) == (None, "none")


def test_workplace_booleans_are_the_board_basis():
    result = parse(recording())
    assert [(p.workplace.value, p.workplace_basis) for p in result.postings] == [
        ("hybrid", "board"),
        ("remote", "board"),
        ("onsite", "board"),
    ]


def test_no_booleans_leave_the_workplace_to_the_text():
    doc = recording()
    offer = doc["offers"][1]
    offer.update(remote=False, hybrid=False, on_site=False)
    cra = parse({"offers": [offer]}).postings[0]
    assert (cra.workplace.value, cra.workplace_basis) == ("remote", "text")


def test_country_code_fills_a_city_the_text_cannot_place():
    doc = recording()
    offer = doc["offers"][0]
    offer.update(city="Zzyzx", country="", location="")
    [place] = parse({"offers": [offer]}).postings[0].locations
    assert place.country == "NO"


def test_an_empty_list_yields_nothing():
    assert parse(recording("offers_empty.json")) == BoardParse()


def test_a_bad_offer_is_an_item_error_and_the_rest_are_kept():
    doc = recording()
    doc["offers"][0]["title"] = None
    doc["offers"].append("not an offer")
    result = parse(doc)
    assert len(result.postings) == 2 and len(result.errors) == 2
    assert result.errors[0].item_id == "1902311"


@pytest.mark.parametrize("data", [b'{"offers": [', b"<html/>", b'{"offer": {}}'])
def test_a_malformed_body_is_one_parse_error(data: bytes):
    result = parse(data)
    assert result.postings == [] and len(result.errors) == 1
