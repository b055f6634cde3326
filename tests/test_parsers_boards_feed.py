"""Feed mapper on a recorded Teamtailor RSS and an Atom feed; refuses DTDs and entities."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import BoardParse, RawPayload, SourceRef
from parsers.boards import feed

DATA = Path(__file__).parent / "data" / "recordings" / "feed"
SOURCE = SourceRef("feed-vireo", "feed", "vireo", "Vireo Health Sciences")
FETCHED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def parse(body: bytes) -> BoardParse:
    raw = RawPayload(
        SOURCE.name,
        "feed",
        "https://careers.vireohs.example/jobs.rss",
        FETCHED,
        200,
        "application/rss+xml",
        body,
    )
    return feed.parse_payload(raw, SOURCE)


@pytest.fixture(scope="module")
def rss() -> BoardParse:
    return parse((DATA / "teamtailor.rss").read_bytes())


@pytest.fixture(scope="module")
def atom() -> BoardParse:
    return parse((DATA / "atom.xml").read_bytes())


def test_items_map_and_a_bad_item_is_one_error(rss: BoardParse) -> None:
    assert [p.source_id for p in rss.postings] == ["5512-a1b2c3", "5513-d4e5f6", "5514-g7h8i9"]
    assert len(rss.errors) == 1


def test_rss_fields(rss: BoardParse) -> None:
    ctm = rss.postings[0]
    assert ctm.title == "Clinical Trial Manager" and ctm.company == "Vireo Health Sciences"
    assert ctm.url == "https://careers.vireohs.example/jobs/5512-clinical-trial-manager"
    assert ctm.posted_at == datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
    assert ctm.department == "Clinical Operations"
    assert ctm.description.startswith("Lead global Phase II studies.")


def test_tt_locations_nested_and_flat(rss: BoardParse) -> None:
    ctm, cra, _ = rss.postings
    assert [(loc.city, loc.country) for loc in ctm.locations] == [
        ("Lund", "SE"),
        ("Barcelona", "ES"),
    ]
    assert ctm.location_text == "Lund, Sweden; Barcelona, Spain"
    assert [(loc.city, loc.country) for loc in cra.locations] == [("Copenhagen", "DK")]


def test_remote_status_is_the_boards_word(rss: BoardParse) -> None:
    values = [(p.workplace.value, p.workplace_basis) for p in rss.postings]
    assert values == [("hybrid", "board"), ("remote", "board"), ("onsite", "board")]


def test_salary_from_the_description_is_text(rss: BoardParse) -> None:
    ctm = rss.postings[0]
    assert ctm.salary_basis == "text" and ctm.salary is not None and ctm.salary.currency == "EUR"
    assert rss.postings[1].salary_basis == "none"


def test_atom_entries(atom: BoardParse) -> None:
    director, cpm = atom.postings
    assert atom.errors == []
    assert director.source_id == "tag:careers.wrenpharma.example,2026:job-301"
    assert director.url == "https://careers.wrenpharma.example/jobs/301"
    assert director.posted_at == datetime(2026, 11, 21, 10, tzinfo=UTC)
    assert director.salary is not None and director.salary.min == 190000
    assert director.level == "director" and director.relevant
    assert cpm.url == "https://careers.wrenpharma.example/jobs/302"
    assert cpm.posted_at == datetime(2026, 11, 20, 7, tzinfo=UTC)
    assert cpm.description == "This role is based in our Zurich office."


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<rss><channel><item><title>&lol2;</title><guid>1</guid></item></channel></rss>"""


@pytest.mark.parametrize(
    "body",
    [
        BOMB,
        b'<!doctype rss SYSTEM "http://x/evil.dtd"><rss/>',
        b"<rss><channel>",
        b"<html><body>nope</body></html>",
        b"not xml",
        "<rss/>".encode("utf-16"),
    ],
)
def test_refused_or_malformed_bodies_are_one_error(body: bytes) -> None:
    result = parse(body)
    assert result.postings == [] and len(result.errors) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 23 Nov 2026 09:30:00 +0100", datetime(2026, 11, 23, 8, 30, tzinfo=UTC)),
        ("2026-11-20T08:00:00Z", datetime(2026, 11, 20, 8, tzinfo=UTC)),
        ("yesterday-ish", None),
        ("", None),
    ],
)
def test_feed_dates(value: str, expected: datetime | None) -> None:
    assert feed.feed_date(value) == expected


@pytest.mark.parametrize(
    ("region", "value", "country"),
    [("Anywhere in the World", "remote", None), ("USA Only", "unknown", "US")],
)
def test_rss_region_element_is_the_location(region: str, value: str, country: str | None) -> None:
    """Job-board RSS feeds (We Work Remotely style) put the place in <region>."""
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title><item>'
        "<title>Clinical Trial Manager</title><link>https://example.test/jobs/1</link>"
        "<guid>job-1</guid><description>Lead studies.</description>"
        f"<region>{region}</region></item></channel></rss>"
    ).encode()
    result = parse(body)
    assert not result.errors
    posting = result.postings[0]
    assert posting.location_text == region
    assert posting.workplace.value == value
    assert [p.country for p in posting.locations] == ([country] if country else [])
