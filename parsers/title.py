"""What a job title says: clinical-operations relevance, role family and ladder level.

Titles are normalised first (abbreviations such as Sr., Assoc., Dir., Mgr, Ops, CTM, CTA, CRA
are expanded and plural role nouns made singular, so "Clinical Trials Coordinator" reads as
"clinical trial coordinator"; suffixes such as "(Oncology) - Remote" are harmless because
matching looks for phrases anywhere in the title).

Relevant: clinical operations, clinical trial / study / project management, clinical research
management and coordination, CRA (monitoring) and CTA roles. Not relevant: look-alikes such as
nursing, laboratory, software/engineering, sales, clinical success, people operations,
psychologists, pharmacists, clinical supply and data roles, even when the word "clinical"
appears. Phrases that are clinical only by setting ("site manager", "site activation",
"feasibility manager", "trial manager") are not relevant when the title names a non-clinical
setting (construction, retail, restaurant, manufacturing, warehouse, telecom, energy,
agriculture...) and no clinical one ("clinical", CRA/CRO, GCP, pharma, biotech). Clinical
operations of care delivery (provider relations, payer, home health, hospice, dialysis,
utilization management) are not clinical research.

Level mapping onto the career guide's ladder (assistant < manager < senior < director < vp),
the highest matching rung wins:

- vp: Vice President, VP, SVP, EVP, AVP, Chief ... Officer.
- director: Director (Associate, Senior, Executive Director included) and "Head of" (a head of
  a clinical function leads the department as the guide's Director does; documented choice).
- senior: Senior / Sr. / Principal / Lead / Staff, or a roman or arabic grade III and above
  (e.g. "Clinical Trial Manager III", "Senior CRA", "Sr. CTM").
- manager: Manager (grades I and II included: "Clinical Trial Manager II" is manager), CTM,
  CPM, Study Manager.
- assistant: Assistant, Associate, Coordinator, Specialist, Administrator, CTA, CRA, CRC,
  "Assistant/Associate Manager" (the guide's Assistant Clinical Operations Manager) and a
  clinical Site Manager (a CRA title); a site manager in a non-clinical setting is a manager.
- None when the title names no rung (e.g. "Clinical Operations").
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.models import Level, TitleInfo
from parsers.title_words import correct_typo, expand, translate

MAX_TITLE = 300

_PLURAL = re.compile(
    r"\b(trial|associate|assistant|coordinator|administrator|manager|monitor|specialist"
    r"|director|lead|leader|liaison)s\b"
)
_STUDIES = re.compile(r"\bstudies\b")
# "Clinical Operation Manager", "Clinical Operational Excellence" read as clinical operations.
_OPERATION = re.compile(r"\bclinical operation(?:al)?\b")
_SEGMENT = re.compile(r"\s[-–—:|]+\s|[()\[\]|:]|\s[-–—]+|[-–—]+\s")
_OF = r"(?:,| of| for| de| des| du)?"

_FAMILIES: tuple[tuple[str, str], ...] = (
    (
        "clinical_trial_assistant",
        r"(?:clinical )?(?:trial|study) (?:assistant|administrator|coordinator|associate)"
        r"|clinical trial specialist"
        r"|clinical (?:operations|research|project|trial) assistant"
        r"|clinical operations coordinator|trial master file|\b(?:e ?)?tmf\b"
        rf"|(?:coordinator|assistant){_OF} clinical (?:trial|study)",
    ),
    (
        "clinical_research_associate",
        r"clinical (?:trial |study )?research associate"
        r"|clinical (?:site |trial |study )?monitor|site monitor|monitoring associate"
        rf"|clinical site manager|site manager|monitor{_OF} clinical (?:trial|study)",
    ),
    (
        "clinical_trial_management",
        r"clinical trial (?:manager|management|lead|leader|director|operations)"
        r"|trial manager|global trial (?:manager|lead|leader)|clinical team (?:manager|lead|leader)"
        r"|(?<!project )(?<!program )(?<!programme )"
        rf"(?:manager|director|head|lead|leader){_OF} clinical trial",
    ),
    (
        "clinical_project_management",
        r"clinical (?:trial |study |research |development )?(?:project|program|programme)"
        r" (?:manager|management|lead|leader|director"
        r"|coordinator|specialist|associate)"
        r"|(?:project|program|programme) (?:manager|director|lead|leader)\W+(?:\w+ )?clinical",
    ),
    (
        "study_management",
        r"(?:clinical )?study (?:manager|management|lead|leader|start[- ]?up|operations)"
        r"|clinical study (?:director|associate|specialist)"
        r"|study start[- ]?up|site (?:activation|start[- ]?up|management)"
        r"|feasibility (?:manager|lead)"
        rf"|(?:manager|director|head|lead|leader){_OF} clinical study",
    ),
    (
        "clinical_research_management",
        r"clinical research (?:manager|management|director|lead|coordinator|operations"
        r"|specialist|program)|research (?:site|operations) manager"
        r"|(?:clinical|research|study|trial) coordinator"
        rf"|(?:manager|director|head|lead|leader|vice president){_OF} clinical research",
    ),
    (
        "clinical_operations",
        r"clinical (?:development |trial |study |research )?operations"
        r"|development operations|r and d operations|clinical (?:trial|study) liaison"
        r"|clinical monitoring|trial coordination",
    ),
)
_FAMILY_RES = [(name, re.compile(rf"\b(?:{pat})\b")) for name, pat in _FAMILIES]
# Phrases that are clinical operations only in a clinical title ("Research Coordinator").
_NEEDS_CLINICAL = re.compile(r"\bresearch coordinator\b")

# Words that make a title another job when they are part of its role (not a qualifier such
# as "- Gene Therapy" or ", RN preferred").
_EXCLUDE = re.compile(
    r"\b(?:nurse|nurses|nursing|rn|lpn|np|laboratory|lab|labs|phlebotom\w*|software|engineer"
    r"|engineering|developer|devops|sales|account|accounts|business development"
    r"|marketing|success|customer|people operations|people ops|psycholog\w*|therapist"
    r"|(?:physical|occupational|speech|respiratory|massage|aba|behaviou?ral|music|art) therapy"
    r"|physician|pharmacist|pharmacy|counsel\w*|social worker|scientist|data manager"
    r"|data management|statistic\w*|programmer|biostatistic\w*|recruit\w*|talent"
    r"|hr|human resources|finance|accountant|billing|revenue cycle|coding|coder|intake"
    r"|scheduler|receptionist|front desk|medical assistant|dental|veterinar\w*|technician"
    r"|technologist|patient care|care coordinator|care manager|case manager|dietitian"
    r"|clinician|psychiatr\w*|teacher|instructor|informatics|diagnostic\w*"
    r"|it|product manager|product|designer|writer|editor|legal|paralegal|supply|supplies"
    r"|regulatory affairs|market research|proposal\w*|attorney|litigation)\b"
)
# A segment naming a role (so its exclusion words count); others are qualifiers.
_ROLE_NOUN = re.compile(
    r"\b(?:manager|director|head|lead|leader|coordinator|assistant|associate|specialist"
    r"|administrator|officer|analyst|engineer|developer|scientist|representative|executive"
    r"|consultant|partner|technician|technologist|nurse|physician|pharmacist|writer|designer"
    r"|recruiter|intern|auditor|counsel|attorney|advisor|liaison|trainer|educator|navigator"
    r"|programmer|statistician|biostatistician|monitor|president|chief|supervisor|clerk"
    r"|worker|therapist|rn|lpn)\b"
)
_REQUIREMENT = re.compile(r"\b(?:preferred|required|a plus|desired|welcome)\b")
# An abbreviation (CRA, CRC) proves nothing in a title of another field.
_ABBREVIATED = re.compile(r"\b(?:cras?|crcs?|ctas?)\b", re.IGNORECASE)
_OTHER_FIELD = re.compile(
    r"\b(?:community|reinvestment|compliance|colorectal|screening|navigator|analyst|officer"
    r"|examiner|bank\w*|lend\w*|mortgage|audit\w*|tax|actuar\w*)\b"
)
_CLINICAL_WORD = re.compile(r"\b(?:clinical|trials?|study|studies|monitor\w*|sites?)\b", re.I)

_NON_CLINICAL_SETTING = re.compile(
    r"\b(?:construction|building|civil|retail|store|shop|restaurant|hospitality|hotel|catering"
    r"|kitchen|manufacturing|production|plant|factory|warehouse|logistics|distribution"
    r"|fulfil+ment|depot|facilities|maintenance|cleaning|security|solar|wind|energy|renewables?"
    r"|utilities|telecom\w*|network|mining|quarry|oil|gas|hvac|electrical|mechanical"
    r"|automotive|vehicle|agricultur\w*|farm|crop|field trial|events?|property|real estate"
    r"|school|childcare|data cent(?:er|re)|fundraising|philanthrop\w*|donor)\b"
)
# Care delivery: "clinical operations" of a provider or payer is not clinical research.
_CARE_DELIVERY = re.compile(
    r"\b(?:provider (?:relations|network|enrollment)|payer|home health|hospice|dialysis"
    r"|care delivery|utili[sz]ation (?:management|review)"
    r"|value based care|population health|revenue cycle)\b"
)
_CLINICAL_SETTING = re.compile(
    r"\b(?:clinical|contract research|gcp|pharma\w*|biopharma\w*|biotech\w*)\b"
)

_VP = re.compile(r"\b(?:vice president|chief \w+(?: \w+)? officer)\b")
# C-suite acronyms are the role only when no other rung is named ("CSO" may be a division).
_C_SUITE = re.compile(r"\b(?:ceo|cfo|coo|cmo|cso|cto|cio|cco|cpo|cno|cdo|cbo|cxo)\b")
_DIRECTOR = re.compile(r"\b(?:director|head)\b(?! nurse)")
_SENIOR = re.compile(r"\b(?:senior|principal|lead|leader|staff|expert)\b")
_MANAGER = re.compile(r"\bmanager\b")
_RUNG = re.compile(
    r"\b(?:director|head|manager|senior|principal|lead|leader|associate|assistant)\b"
)
_ASSISTANT = re.compile(
    r"\b(?:assistant|associate|coordinator|specialist|administrator|junior|trainee|intern"
    r"|internship|apprentice|entry level|monitor)\b"
)
# Students and trainees are the entry rung whatever else the title says ("Senior ... Intern").
_TRAINEE = re.compile(
    r"\b(?:intern|interns|internship|coop|working student|student|graduate|trainee|apprentice"
    r"\w*|fellow|fellowship|placement)\b"
)
# Entry roles stay entry roles when 'Senior' or a grade is added (Senior CTA, Sr CRC).
_ENTRY_ROLE = re.compile(r"\b(?:assistant|administrator|coordinator|(?:trial|study) associate)\b")
_LEADS_OTHERS = re.compile(r"\b(?:manager|lead|leader|director|head|supervisor)\b")
# "Clinical Research Associate Manager" manages CRAs (not an associate manager).
_ROLE_MANAGER = re.compile(r"\b(?:research|trial|monitoring) associate manager\b")
_JUNIOR_MANAGER = re.compile(r"\b(?:assistant|associate|junior)\b(?: \w+){0,3} manager\b")
_SITE_MANAGER = re.compile(r"\bsite manager\b")
_GRADE = re.compile(r"(?<!phase )\b(?:iv|v|iii|ii|i|[1-5])\b(?!\.\d)")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}


def _normalise(title: str) -> str:
    """Lower-case English words, expanded abbreviations, ' ; ' between title segments."""
    text = translate(title[:MAX_TITLE])
    text = _SEGMENT.sub(" ; ", expand(text))
    text = text.replace("-", " ").replace("/", " / ")
    text = re.sub(r"[^\w,/; ]+", " ", text)
    words = [correct_typo(w) for w in text.split()]
    text = _STUDIES.sub("study", _PLURAL.sub(r"\1", " ".join(words)))
    return _OPERATION.sub("clinical operations", text)


def _non_clinical_setting(norm: str) -> bool:
    """True when the title names a non-clinical workplace and nothing clinical."""
    return bool(_NON_CLINICAL_SETTING.search(norm)) and not _CLINICAL_SETTING.search(norm)


def _family(norm: str) -> tuple[str, re.Match[str]] | None:
    """The first family whose phrase appears in the normalised title, and where."""
    for name, pattern in _FAMILY_RES:
        hit = pattern.search(norm)
        if hit and (not _NEEDS_CLINICAL.fullmatch(hit.group(0)) or _CLINICAL_SETTING.search(norm)):
            return name, hit
    return None


def _excluded(norm: str, hit: re.Match[str]) -> bool:
    """True when a segment that names the role (or holds the phrase) is another job's."""
    start = 0
    for segment in re.split(r"[;,]", norm):
        end = start + len(segment)
        overlaps = start < hit.end() and hit.start() < end
        start = end + 1
        if _REQUIREMENT.search(segment) and not overlaps:
            continue
        if (overlaps or _ROLE_NOUN.search(segment)) and _EXCLUDE.search(segment):
            return True
    return False


def _other_field(title: str, norm: str) -> bool:
    """True when the clinical phrase comes only from an abbreviation another field also uses."""
    return (
        bool(_ABBREVIATED.search(title))
        and not _CLINICAL_WORD.search(title)
        and bool(_OTHER_FIELD.search(norm))
    )


def _grade(norm: str) -> int:
    """Highest roman/arabic grade such as 'II' or '3' after a role word, else 0."""
    best = 0
    for m in _GRADE.finditer(norm):
        token = m.group(0)
        best = max(best, _ROMAN.get(token, 0) or (int(token) if token.isdigit() else 0))
    return best


def _executive(norm: str) -> bool:
    """Vice presidents, chief officers, and C-suite acronyms that name no other rung."""
    return bool(_VP.search(norm)) or (bool(_C_SUITE.search(norm)) and not _RUNG.search(norm))


def title_level(norm: str) -> Level | None:
    """Ladder level of a normalised title (see the module docstring)."""
    if _executive(norm):
        return "vp"
    if _DIRECTOR.search(norm):
        return "director"
    if _TRAINEE.search(norm):
        return "assistant"
    if _ROLE_MANAGER.search(norm):
        return "senior" if _SENIOR.search(norm) else "manager"
    site_manager = (
        bool(_SITE_MANAGER.search(norm))
        and not _SENIOR.search(norm)
        and not _non_clinical_setting(norm)
    )
    if _JUNIOR_MANAGER.search(norm) or site_manager:
        return "assistant"
    if _ENTRY_ROLE.search(norm) and not _LEADS_OTHERS.search(norm):
        return "assistant"
    if _SENIOR.search(norm) or _grade(norm) >= 3:
        return "senior"
    if _MANAGER.search(norm):
        return "manager"
    if _ASSISTANT.search(norm):
        return "assistant"
    return None


def parse_title(title: str) -> TitleInfo:
    """Relevance, family and level of a job title."""
    return _parse_title((title or "")[:MAX_TITLE])


@lru_cache(maxsize=8192)  # keyed on the first MAX_TITLE characters: the cache stays small
def _parse_title(title: str) -> TitleInfo:
    norm = _normalise(title)
    found = _family(norm)
    relevant = (
        found is not None
        and not _excluded(norm, found[1])
        and not _non_clinical_setting(norm)
        and not _CARE_DELIVERY.search(norm)
        and not _other_field(title, norm)
    )
    return TitleInfo(
        relevant=relevant,
        family=found[0] if found and relevant else None,
        level=title_level(norm) if norm else None,
    )
