"""Workday mapper: details → Postings, list pages → listed ids, bases and bad payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import workday

REC = Path(__file__).parent / "data" / "recordings" / "workday"
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
ORIGIN = "https://larkspur.wd5.myworkdayjobs.com"
API = f"{ORIGIN}/wday/cxs/larkspur/Larkspur_Careers"
SOURCE = SourceRef(
    "workday-larkspur",
    "workday",
    "larkspur",
    "Larkspur Clinical",
    url=ORIGIN,
    params={"site": "Larkspur_Careers"},
)
CTM = "/job/Remote-United-States/Clinical-Trial-Manager_R-0123456"


def recording(name: str) -> Any:
    return json.loads((REC / name).read_text())


def path_of(doc: dict[str, Any]) -> str:
    return doc["jobPostingInfo"]["externalUrl"].split("/Larkspur_Careers", 1)[1]


def parse(doc: Any, url: str = API + "/jobs", source: SourceRef = SOURCE) -> BoardParse:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    raw = RawPayload(source.name, "workday", url, FETCHED, 200, "application/json", data)
    return workday.parse_payload(raw, source)


def detail(name: str, **changes: Any) -> Posting:
    doc = recording(name)
    doc["jobPostingInfo"].update(changes)
    result = parse(doc, API + path_of(recording(name)))
    assert result.errors == [] and len(result.postings) == 1
    return result.postings[0]


def test_a_detail_is_one_posting_keyed_by_external_path():
    posting = detail("detail_ctm_remote.json")
    assert posting.source_id == CTM
    assert posting.url == f"{ORIGIN}/Larkspur_Careers{CTM}"
    assert (posting.title, posting.company) == ("Clinical Trial Manager", "Larkspur Clinical")
    assert (posting.relevant, posting.level) == (True, "manager")
    assert posting.posted_at == datetime(2026, 11, 22, tzinfo=UTC)  # startDate
    assert posting.employment_type == "Full time"
    assert posting.requisition_id == "R-0123456"
    assert "Oversee CROs and vendors" in posting.description
    assert "<" not in posting.description


def test_remote_type_is_the_board_workplace_and_pay_comes_from_text():
    posting = detail("detail_ctm_remote.json")
    assert (posting.workplace.value, posting.workplace_basis) == ("remote", "board")
    assert posting.salary is not None and posting.salary_basis == "text"
    assert (posting.salary.min, posting.salary.max, posting.salary.currency) == (
        120000,
        145000,
        "USD",
    )
    assert [loc.country for loc in posting.locations] == ["US"]


def test_two_locations_expand_to_primary_and_additional_places():
    posting = detail("detail_cra_two_locations.json")
    assert posting.location_text == "Maidenhead; Warsaw, Poland"
    assert [(loc.city, loc.country) for loc in posting.locations] == [
        ("Maidenhead", "GB"),
        ("Warsaw", "PL"),
    ]
    assert (posting.workplace.value, posting.workplace_basis) == ("hybrid", "board")
    assert (posting.salary, posting.salary_basis) == (None, "none")


def test_without_remote_type_the_workplace_comes_from_the_text():
    posting = detail("detail_cpm_durham.json")
    assert (posting.workplace.value, posting.workplace_basis) == ("onsite", "text")


def test_the_requisition_country_fills_a_place_the_text_cannot_name():
    posting = detail("detail_director_warsaw.json", location="Home Based")
    assert [(loc.country, loc.text) for loc in posting.locations] == [("PL", "Home Based")]


@pytest.mark.parametrize(
    ("posted_on", "days"),
    [
        ("Posted Today", 0),
        ("Posted Yesterday", 1),
        ("Posted 3 Days Ago", 3),
        ("Posted 30+ Days Ago", 30),
    ],
)
def test_posted_on_is_relative_to_the_fetch_time_without_start_date(posted_on: str, days: int):
    posting = detail("detail_cta_maidenhead.json", startDate=None, postedOn=posted_on)
    assert posting.posted_at == FETCHED - timedelta(days=days)


def test_a_list_page_names_every_external_path_and_maps_nothing():
    page = recording("jobs_page1.json")
    result = parse(page)
    assert result.postings == [] and result.errors == []
    assert result.listed_ids == [item["externalPath"] for item in page["jobPostings"]]
    assert CTM in result.listed_ids and len(result.listed_ids) == 20


def test_an_empty_page_lists_nothing():
    assert parse(recording("jobs_empty.json")) == BoardParse()


def test_a_list_item_without_external_path_is_an_item_error():
    page = recording("jobs_page2.json")
    del page["jobPostings"][0]["externalPath"]
    result = parse(page)
    assert len(result.listed_ids) == 2 and len(result.errors) == 1


def test_the_id_comes_from_external_url_when_the_request_url_lacks_it():
    doc = recording("detail_ctm_remote.json")
    [posting] = parse(doc, "https://replay.test/elsewhere").postings
    assert posting.source_id == CTM


def test_myworkdaysite_public_url_when_external_url_is_absent():
    site = SourceRef(
        "workday-larkspur",
        "workday",
        "larkspur",
        "Larkspur Clinical",
        url="https://wd5.myworkdaysite.com",
        params={"site": "Larkspur_Careers"},
    )
    doc = recording("detail_ctm_remote.json")
    del doc["jobPostingInfo"]["externalUrl"]
    url = "https://wd5.myworkdaysite.com/wday/cxs/larkspur/Larkspur_Careers" + CTM
    [posting] = parse(doc, url, site).postings
    assert posting.url == f"https://wd5.myworkdaysite.com/recruiting/larkspur/Larkspur_Careers{CTM}"


def test_a_detail_without_title_is_one_item_error():
    doc = recording("detail_ctm_remote.json")
    doc["jobPostingInfo"]["title"] = ""
    result = parse(doc, API + CTM)
    assert result.postings == [] and "title" in result.errors[0].message


@pytest.mark.parametrize("data", [b'{"jobPostingInfo": {"title"', b"<html></html>", b"[1, 2]"])
def test_a_malformed_body_is_one_parse_error(data: bytes):
    result = parse(data)
    assert result.postings == [] and len(result.errors) == 1
    assert result.errors[0].item_id is None
