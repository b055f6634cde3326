"""A subscription in words: what will be sent, how often, and to which address."""

from __future__ import annotations

from core.models import Subscription

LEVEL_WORDS = {
    "assistant": "Assistant / entry",
    "manager": "Manager",
    "senior": "Senior Manager",
    "director": "Director",
    "vp": "VP and above",
}
FAMILY_WORDS = {
    "clinical_trial_assistant": "Clinical Trial Assistant / Coordinator",
    "clinical_research_associate": "CRA / monitoring",
    "clinical_trial_management": "Clinical Trial Manager",
    "clinical_project_management": "Clinical Project Manager",
    "study_management": "Study Manager / start-up",
    "clinical_research_management": "Clinical Research Manager",
    "clinical_operations": "Clinical Operations",
}
WORKPLACE_WORDS = {"remote": "remote", "hybrid": "hybrid", "onsite": "on-site"}
CADENCE_WORDS = {"daily": "every morning", "weekly": "every Monday"}


def _joined(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def roles_phrase(sub: Subscription) -> str:
    """'Senior Manager Clinical Trial Manager roles' style phrase for the filters."""
    parts = []
    if sub.workplaces:
        parts.append(_joined([WORKPLACE_WORDS.get(w, w) for w in sub.workplaces]))
    if sub.levels:
        parts.append(_joined([LEVEL_WORDS.get(level, level) for level in sub.levels]))
    if sub.families:
        parts.append(_joined([FAMILY_WORDS.get(f, f) for f in sub.families]))
    text = " ".join(parts) + " roles" if parts else "clinical-operations roles"
    where = [*sub.locations, *sub.countries]
    if where:
        text += " in " + _joined(list(where))
    if sub.keywords:
        text += " mentioning " + _joined([f"“{k}”" for k in sub.keywords])
    return text


def salary_phrase(sub: Subscription) -> str:
    """The salary filter in words."""
    if sub.min_salary_usd is None:
        return "any salary"
    if sub.min_salary_currency and sub.min_salary_amount is not None:
        floor = f"{sub.min_salary_amount:,.0f} {sub.min_salary_currency}"
    else:
        floor = f"${sub.min_salary_usd:,.0f}"
    tail = " (postings without a salary included)" if sub.include_no_salary else ""
    return f"paying at least {floor} a year{tail}"


def summary(sub: Subscription) -> str:
    """One sentence: how often, to whom, about what."""
    cadence = CADENCE_WORDS.get(sub.cadence, sub.cadence)
    quiet = (
        " Nothing new means no email."
        if not sub.no_news
        else " You hear from us even when nothing is new."
    )
    return (
        f"A {sub.cadence} email, {cadence}, to {sub.email}: new {roles_phrase(sub)}, "
        f"{salary_phrase(sub)}." + quiet
    )
