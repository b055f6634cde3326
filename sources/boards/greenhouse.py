"""Greenhouse Job Board API: the whole board with content, then pay for relevant jobs.

`pay_transparency=true` is documented only on the single-job endpoint, so list-level pay is
optional: each job whose title passes the relevance filter and that the list gave no
`pay_input_ranges` is fetched again alone (``/jobs/{id}?pay_transparency=true``), at most
`params.max_details` (else MAX_DETAILS) per run. New jobs go first, then stored ones by newest
`updated_at`: `known_ids` holds every job a list ever mapped, so it cannot tell whether a
stored job's pay came from a detail; with the HTTP cache an unchanged detail answers 304.

EU boards may be served by the global host or by boards-api.eu.greenhouse.io (public sources
disagree): the configured region is tried first, the other one on a 404; details go to the
host that served the list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from core.models import RawPayload, SourceRef
from parsers.title import parse_title
from sources.details import details
from sources.options import FetchOptions
from sources.paging import Pages
from sources.session import fetch, listed, other_region_on_404

KIND = "greenhouse"
# Every run lists the whole board: a posting it no longer lists has closed.
LISTS_WHOLE_BOARD = True
HOSTS = {
    "global": "https://boards-api.greenhouse.io/v1/boards",
    "eu": "https://boards-api.eu.greenhouse.io/v1/boards",
}
API = HOSTS["global"]
MAX_DETAILS = 25  # single-job calls per board per run
NEVER = datetime.min.replace(tzinfo=UTC)


def board_url(token: str, options: FetchOptions, region: str = "global") -> str:
    """The list URL of one Greenhouse board, with descriptions and pay ranges."""
    return f"{_jobs_url(token, options, region)}?content=true&pay_transparency=true"


def job_url(token: str, job_id: str, options: FetchOptions, region: str = "global") -> str:
    """The single-job URL, asking for its pay ranges."""
    return f"{_jobs_url(token, options, region)}/{quote(job_id, safe='')}?pay_transparency=true"


def _jobs_url(token: str, options: FetchOptions, region: str) -> str:
    key = "greenhouse" if region == "global" else f"greenhouse-{region}"
    return f"{options.base(key, HOSTS[region])}/{quote(token, safe='')}/jobs"


def pages(session: requests.Session, source: SourceRef, options: FetchOptions) -> Pages:
    """The board's list, then the detail of each relevant job the list gave no pay (a failing
    detail stops the source, the list and the details before it kept)."""
    region, listing = _fetch_list(session, source, options)
    yield listing
    jobs = listed(listing, "jobs")
    wanted = detail_ids(jobs, options.known_ids, max_details(source))
    urls = (job_url(source.board, job_id, options, region) for job_id in wanted)
    yield from details(session, source, options, urls)
    return False


def _fetch_list(
    session: requests.Session, source: SourceRef, options: FetchOptions
) -> tuple[str, RawPayload]:
    """(region that answered, list payload), from the configured region's host or the other."""
    region = source.region if source.region in HOSTS else "global"

    def attempt(name: str) -> tuple[str, RawPayload]:
        return name, fetch(session, source, board_url(source.board, options, name), options)

    return other_region_on_404(region, tuple(HOSTS), attempt)


def max_details(source: SourceRef) -> int:
    """`params.max_details` when a whole number >= 0, else MAX_DETAILS."""
    value = source.params.get("max_details")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return MAX_DETAILS


def detail_ids(jobs: list[Any], known: frozenset[str], cap: int) -> list[str]:
    """Ids of the listed jobs to fetch alone: new ones in list order, then stored ones by
    newest `updated_at`; at most `cap`."""
    wanted = [job for job in jobs if needs_detail(job)]
    new = [str(job["id"]) for job in wanted if str(job["id"]) not in known]
    stored = sorted((job for job in wanted if str(job["id"]) in known), key=_updated, reverse=True)
    ordered = dict.fromkeys([*new, *(str(job["id"]) for job in stored)])
    return list(ordered)[:cap]


def needs_detail(job: object) -> bool:
    """A listed job with an id, a relevant title and no pay ranges."""
    if not isinstance(job, dict) or job.get("id") is None:
        return False
    title = job.get("title")
    ranges = job.get("pay_input_ranges")
    has_pay = isinstance(ranges, list) and bool(ranges)
    return not has_pay and isinstance(title, str) and parse_title(title).relevant


def _updated(job: dict[str, Any]) -> datetime:
    """`updated_at` (ISO-8601 with offset); the earliest time when absent or unreadable."""
    try:
        value = datetime.fromisoformat(str(job.get("updated_at")))
    except ValueError:
        return NEVER
    return value if value.tzinfo else value.replace(tzinfo=UTC)
