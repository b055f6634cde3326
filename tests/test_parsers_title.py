"""Title: relevance, family and ladder level."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.title import parse_title

LABELLED = Path(__file__).parent / "data" / "titles_labelled.csv"


@pytest.mark.parametrize(
    ("title", "level", "family"),
    [
        ("Sr. CTM", "senior", "clinical_trial_management"),
        ("Assoc. Dir., Clinical Ops", "director", "clinical_operations"),
        ("Clinical Trial Manager II", "manager", "clinical_trial_management"),
        ("Head of Clinical Operations", "director", "clinical_operations"),
        ("VP, Clinical Development Operations", "vp", "clinical_operations"),
        ("CTA", "assistant", "clinical_trial_assistant"),
        (
            "Clinical Research Associate II (Oncology) - Remote",
            "assistant",
            "clinical_research_associate",
        ),
        ("Clinical Project Manager III", "senior", "clinical_project_management"),
        ("Clinical Project Manager - Phase 3", "manager", "clinical_project_management"),
        ("Assistant Clinical Operations Manager", "assistant", "clinical_operations"),
        ("Clinical Research Manager", "manager", "clinical_research_management"),
        ("Clinical Study Manager", "manager", "study_management"),
    ],
)
def test_examples(title: str, level: str, family: str) -> None:
    info = parse_title(title)
    assert info.relevant and info.level == level and info.family == family


@pytest.mark.parametrize(
    "title",
    [
        "Registered Nurse",
        "Clinical Lab Scientist",
        "Software Engineer, Clinical Trials",
        "Clinical Sales Representative",
        "Clinical Success Manager",
        "People Operations Manager",
        "Clinical Psychologist",
        "Operations Manager",
        "Customer Success Manager",
        "",
    ],
)
def test_look_alikes(title: str) -> None:
    info = parse_title(title)
    assert not info.relevant and info.family is None


def test_labelled_set_is_large_and_valid() -> None:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 200
    assert {r["relevant"] for r in rows} == {"true", "false"}
    assert {r["level"] for r in rows} <= {"", "assistant", "manager", "senior", "director", "vp"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(title: str) -> None:
    info = parse_title(title)
    assert info == parse_title(title)
    assert info.level in (None, "assistant", "manager", "senior", "director", "vp")
    assert info.relevant == (info.family is not None)
