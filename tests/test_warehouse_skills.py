"""The guide's skills counted in postings: the digest and the `skills_demand` view agree."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import NOW, add_posting
from warehouse.matching import top_skills


def test_top_skills_counts_the_guides_tools(db) -> None:
    add_posting(db, "1", description="Experience with CTMS, EDC and ICH-GCP. Veeva Vault.")
    add_posting(db, "2", description="ctms and risk-based monitoring; PMP a plus")
    add_posting(db, "3", description="SoCRA or ACRP certification", relevant=False)
    skills = dict(top_skills(db, NOW - timedelta(days=1)))
    assert skills["CTMS"] == 2
    assert skills["EDC"] == skills["GCP / ICH"] == skills["Veeva"] == skills["PMP"] == 1
    assert skills["RBQM"] == 1 and "CCRP / ACRP / SoCRA" not in skills


def test_the_digest_and_the_skills_demand_view_use_one_list(db) -> None:
    add_posting(db, "1", description="ICH E6 (R3) and GCP; Medidata Rave; budget owner")
    add_posting(db, "2", description="Vendor oversight across oncology studies, CTMS")
    add_posting(db, "3", description="Oncology; risk-based monitoring; DCT experience")
    add_posting(db, "4", description="Nothing the guide names")
    digest = dict(top_skills(db, NOW - timedelta(days=1), limit=100))
    view = dict(
        db.execute("SELECT skill, postings FROM skills_demand WHERE postings > 0").fetchall()
    )
    assert digest == view
    assert {"Budget management", "Vendor / CRO oversight", "Oncology", "Medidata"} <= set(digest)
    db.execute("INSERT INTO skills VALUES ('Rare disease', 'therapeutic area', '(?i)rare disease')")
    add_posting(db, "5", description="Rare disease programmes")
    assert dict(top_skills(db, NOW - timedelta(days=1), limit=100))["Rare disease"] == 1
