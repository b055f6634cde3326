"""Normalisation behind the cross-board duplicate fingerprint: company, title and place."""

from __future__ import annotations

import hashlib
import re

LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "plc", "corp", "corporation", "co",
    "company", "gmbh", "ag", "sa", "sas", "bv", "nv", "lp", "llp", "pty", "the",
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


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def normalise_company(name: str) -> str:
    """ "IQVIA Inc." and "IQVIA" are one company."""
    return " ".join(w for w in _words(name) if w not in LEGAL_SUFFIXES)


def normalise_title(title: str) -> str:
    """ "Sr. CTM - Remote" and "Senior Clinical Trial Manager" are one title."""
    expanded = " ".join(ABBREVIATIONS.get(w, w) for w in _words(title))
    return " ".join(w for w in expanded.split() if w not in WORKPLACE_WORDS)


def fingerprint(company: str, title: str, city: str | None, country: str | None) -> str:
    """A short hash of the normalised company, title and place."""
    parts = [normalise_company(company), normalise_title(title), (city or "").lower(),
             (country or "").upper()]  # fmt: skip
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
