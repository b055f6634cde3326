"""Normalisation behind the cross-board duplicate fingerprint: company, title and place.

A fingerprint is ``<job>-<place>``: a hash of the normalised company and title, then a hash of
the first place (city and country). A listing whose places are less specific (a country or a
region, no city) takes the fingerprint of the only listing of the same job within them, when
there is exactly one such candidate place; with several candidates it keeps its own.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

SEPARATOR = "-"
LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "plc", "corp", "corporation", "co",
    "company", "gmbh", "ag", "sa", "sas", "bv", "nv", "lp", "llp", "pty", "the",
})  # fmt: skip
# Trailing words boards add to or drop from a company's name ("Thermo Fisher [Scientific]").
COMPANY_DESCRIPTORS = frozenset({
    "scientific", "science", "sciences", "health", "healthcare", "pharmaceutical",
    "pharmaceuticals", "pharma", "therapeutics", "biotherapeutics", "biosciences", "biotech",
    "medicines", "group", "holding", "holdings", "international", "global", "and",
})  # fmt: skip
ABBREVIATIONS = {
    "sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "mngr": "manager",
    "assoc": "associate", "asst": "assistant", "dir": "director", "ops": "operations",
    "vp": "vice president", "svp": "senior vice president", "ctm": "clinical trial manager",
    "cpm": "clinical project manager", "cra": "clinical research associate",
    "cta": "clinical trial assistant", "crc": "clinical research coordinator",
    "clin": "clinical", "mgmt": "management", "&": "and",
}  # fmt: skip
WORKPLACE_WORDS = frozenset({"remote", "hybrid", "onsite", "on", "site", "home", "based", "field"})
WORD = re.compile(r"[a-z0-9&]+")
PARENTHESES = re.compile(r"\([^)]*\)")


def _words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return WORD.findall(ascii_text.lower())


@lru_cache(maxsize=4096)  # a board names its company on every posting
def normalise_company(name: str) -> str:
    """ "IQVIA Inc." and "IQVIA", "Thermo Fisher Scientific (PPD)" and "Thermo Fisher" are one
    company: no accents, parenthesised aside, legal form or trailing descriptor; never empty."""
    words = [w.replace("&", "and") for w in _words(PARENTHESES.sub(" ", name)) or _words(name)]
    named = [w for w in words if w not in LEGAL_SUFFIXES] or words
    while len(named) > 1 and named[-1] in COMPANY_DESCRIPTORS:
        named.pop()
    return " ".join(named)


def normalise_title(title: str) -> str:
    """ "Sr. CTM - Remote" and "Senior Clinical Trial Manager" are one title."""
    expanded = " ".join(ABBREVIATIONS.get(w, w) for w in _words(title))
    return " ".join(w for w in expanded.split() if w not in WORKPLACE_WORDS)


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def job_key(company: str, title: str) -> str:
    """The fingerprint's first part: normalised company and title."""
    return _digest(f"{normalise_company(company)}|{normalise_title(title)}", 16)


def job_key_of(fingerprint_value: str) -> str:
    """The job part of a fingerprint."""
    return fingerprint_value.split(SEPARATOR, 1)[0]


def with_place(job: str, city: str | None, country: str | None) -> str:
    """The fingerprint of a job (see `job_key`) at a place."""
    place = _digest(f"{(city or '').lower()}|{(country or '').upper()}", 8)
    return f"{job}{SEPARATOR}{place}"


def fingerprint(company: str, title: str, city: str | None, country: str | None) -> str:
    """A short hash of the normalised company and title, then of the place."""
    return with_place(job_key(company, title), city, country)


@dataclass(frozen=True)
class Place:
    """Where a listing is, as far as dedupe cares."""

    city: str | None
    region: str | None
    country: str | None

    def within(self, broad: Place) -> bool:
        """True when this place may lie inside `broad`; an unknown country may (in doubt)."""
        same_region = broad.region is None or self.region in (None, broad.region)
        return self.country in (None, broad.country) and same_region


@dataclass(frozen=True)
class Listed:
    """A stored listing of one job (company and title): its key, own fingerprint, places."""

    key: tuple[str, str]
    fingerprint: str
    places: tuple[Place, ...]

    @property
    def broad(self) -> bool:
        """Places known only to a country or region (no city anywhere)."""
        return bool(self.places) and all(p.city is None and p.country for p in self.places)

    @property
    def specific(self) -> Place | None:
        """The city its fingerprint is made of, if it has one."""
        first = self.places[0] if self.places else None
        return first if first is not None and first.city else None


def _candidates(broad: Listed, listings: Iterable[Listed]) -> set[str]:
    """Fingerprints of the city listings that lie within one of the broad listing's places."""
    return {
        other.fingerprint
        for other in listings
        if (city := other.specific) is not None and any(city.within(p) for p in broad.places)
    }


def resolve_places(listings: list[Listed]) -> dict[tuple[str, str], str]:
    """The fingerprint each listing should carry: a broad listing takes the fingerprint of the
    only candidate city of its job; with none or several it keeps its own (in doubt, apart)."""
    jobs: dict[str, list[Listed]] = {}
    for listing in listings:
        jobs.setdefault(job_key_of(listing.fingerprint), []).append(listing)
    resolved: dict[tuple[str, str], str] = {}
    for listing in listings:
        same_job = jobs[job_key_of(listing.fingerprint)]
        found = _candidates(listing, same_job) if listing.broad else set()
        resolved[listing.key] = found.pop() if len(found) == 1 else listing.fingerprint
    return resolved
