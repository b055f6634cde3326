"""JSON-LD mapper on recorded pages: @graph, lists, string salaries, missing unitText."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, Posting, RawPayload, SourceRef
from parsers.boards import jsonld

DATA = Path(__file__).parent / "data" / "recordings" / "jsonld"
SOURCE = SourceRef("jsonld-tern", "jsonld", "tern", "Fallback Co")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes, url: str = "https://careers.example/jobs") -> BoardParse:
    raw = RawPayload(SOURCE.name, "jsonld", url, FETCHED, 200, "text/html", body)
    return jsonld.parse_payload(raw, SOURCE)


def page(*scripts: str) -> bytes:
    blocks = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return f"<html><head>{blocks}</head><body></body></html>".encode()


@pytest.fixture(scope="module")
def graph() -> Posting:
    result = parse((DATA / "graph.html").read_bytes())
    assert result.errors == []
    [posting] = result.postings
    return posting


@pytest.fixture(scope="module")
def listed() -> BoardParse:
    return parse((DATA / "list.html").read_bytes())


def test_graph_node_fields(graph: Posting) -> None:
    assert graph.source_id == "CTM-4411" and graph.company == "Tern Clinical"
    assert graph.url == "https://careers.ternclinical.example/jobs/ctm-4411"
    assert graph.posted_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert graph.description == "Lead Phase III oncology studies."
    assert graph.employment_type == "full_time" and graph.relevant and graph.level == "manager"


def test_a_list_of_places_with_country_objects(graph: Posting) -> None:
    assert [(loc.city, loc.country) for loc in graph.locations] == [
        ("Boston", "US"),
        ("London", "GB"),
    ]
    assert graph.locations[0].hub == "Boston"
    assert graph.location_text == "Boston, MA, US; London, United Kingdom"


def test_missing_unit_text_is_not_guessed(graph: Posting) -> None:
    assert graph.salary is None and graph.salary_basis == "none"


def test_list_page_keeps_good_nodes_and_reports_the_bad_script(listed: BoardParse) -> None:
    assert [p.title for p in listed.postings] == [
        "Senior Clinical Research Associate",
        "Clinical Operations Associate",
    ]
    assert len(listed.errors) == 1 and listed.errors[0].item_id == "ld+json #2"


def test_expired_postings_are_left_out(listed: BoardParse) -> None:
    assert "Clinical Trial Assistant" not in [p.title for p in listed.postings]


def test_telecommute_with_applicant_countries(listed: BoardParse) -> None:
    remote = listed.postings[0]
    assert remote.workplace.value == "remote" and remote.workplace_basis == "board"
    assert remote.workplace.remote_scope == "US, CA"
    assert remote.source_id == "7781"


def test_telecommute_on_a_hybrid_job_with_a_place_stays_hybrid() -> None:
    node = (
        '{"@type": "JobPosting", "title": "CTM", "identifier": "h1", '
        '"jobLocationType": "TELECOMMUTE", "description": "<p>Hybrid: 2 days a week in '
        'our Boston office.</p>", "jobLocation": {"address": {"addressLocality": "Boston", '
        '"addressRegion": "MA", "addressCountry": "US"}}}'
    )
    [posting] = parse(page(node)).postings
    assert (posting.workplace.value, posting.workplace_basis) == ("hybrid", "text")


def test_string_salary_with_unit_is_the_boards(listed: BoardParse) -> None:
    salary = listed.postings[0].salary
    assert listed.postings[0].salary_basis == "board" and salary is not None
    assert (salary.min, salary.max, salary.currency, salary.period) == (
        100000,
        100000,
        "USD",
        "year",
    )


def test_without_identifier_the_id_is_a_hash_and_org_may_be_a_string(listed: BoardParse) -> None:
    second = listed.postings[1]
    assert len(second.source_id) == 24 and second.company == "Umber Research"
    assert second.salary is None  # minValue/maxValue without unitText
    assert second.locations[0].hub == "Raleigh-Durham"


def test_hourly_numbers_with_unit_and_type_list() -> None:
    node = (
        '{"@type": ["JobPosting", "Thing"], "title": "CRA", "identifier": "X1", '
        '"baseSalary": {"currency": "GBP", "value": {"minValue": 30, "maxValue": 40, '
        '"unitText": "HOUR"}}}'
    )
    [posting] = parse(page(node)).postings
    assert posting.salary is not None and posting.salary.period == "hour"
    assert posting.salary.currency == "GBP" and posting.salary_basis == "board"


def test_display_string_without_currency_is_read_as_text() -> None:
    node = (
        '{"@type": "JobPosting", "title": "CRA", "identifier": {"value": "X2"}, '
        '"baseSalary": {"value": {"value": "$90,000 - $110,000", "unitText": "YEAR"}}}'
    )
    [posting] = parse(page(node)).postings
    assert posting.salary_basis == "text" and posting.salary is not None
    assert posting.salary.min == 90000 and posting.salary.max == 110000


def test_the_same_node_twice_is_one_posting_and_a_titleless_node_is_an_error() -> None:
    node = '{"@type": "JobPosting", "title": "CRA", "identifier": "dup"}'
    result = parse(page(node, node, '{"@type": "JobPosting"}'))
    assert len(result.postings) == 1 and len(result.errors) == 1


def test_html_comment_wrapped_json_and_no_postings() -> None:
    wrapped = '<!-- {"@type": "JobPosting", "title": "CRA", "identifier": "c"} -->'
    assert len(parse(page(wrapped)).postings) == 1
    empty = parse(b"<html><body>No openings</body></html>")
    assert empty.postings == [] and empty.errors == []


@pytest.mark.parametrize(
    "amount_in, expected",
    [
        (95000, 95000.0),
        ("$100,000", 100000.0),
        ("USD 95,000.50", 95000.5),
        ("n/a", None),
        (0, None),
        (True, None),
    ],
)
def test_amount(amount_in: object, expected: float | None) -> None:
    assert jsonld.amount(amount_in) == expected
