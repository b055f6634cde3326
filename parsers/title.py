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
agriculture...) and no clinical one ("clinical", CRA/CRO, GCP, pharma, biotech).

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

from core.models import Level, TitleInfo

MAX_TITLE = 300

_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bsr\b\.?", "senior"),
    (r"\bsnr\b\.?", "senior"),
    (r"\bjr\b\.?", "junior"),
    (r"\bassoc\b\.?", "associate"),
    (r"\bdir\b\.?", "director"),
    (r"\bmgr\b\.?", "manager"),
    (r"\basst\b\.?", "assistant"),
    (r"\bcoord\b\.?", "coordinator"),
    (r"\bspec\b\.?", "specialist"),
    (r"\bmgmt\b\.?", "management"),
    (r"\bdev\b\.?", "development"),
    (r"\bclin\b\.?", "clinical"),
    (r"\bclinops\b", "clinical operations"),
    (r"\bops\b", "operations"),
    (r"\bsvp\b", "senior vice president"),
    (r"\bevp\b", "executive vice president"),
    (r"\bavp\b", "associate vice president"),
    (r"\bvp\b", "vice president"),
    (r"\bctms?\b", "clinical trial manager"),
    (r"\bctas?\b", "clinical trial assistant"),
    (r"\bcras?\b", "clinical research associate"),
    (r"\bcrcs?\b", "clinical research coordinator"),
    (r"\bcpms?\b", "clinical project manager"),
    (r"\bctls?\b", "clinical trial lead"),
    (r"\bcsms?\b(?=.*\b(?:clinical|study|trial)\b)", "clinical study manager"),
    (r"\bcro\b", "contract research organisation"),
    (r"&", " and "),
)
_ABBREV = [(re.compile(p, re.IGNORECASE), r) for p, r in _ABBREVIATIONS]

_PLURAL = re.compile(
    r"\b(trial|associate|assistant|coordinator|administrator|manager|monitor|specialist"
    r"|director|lead|leader|liaison)s\b"
)
_STUDIES = re.compile(r"\bstudies\b")

_FAMILIES: tuple[tuple[str, str], ...] = (
    (
        "clinical_trial_assistant",
        r"(?:clinical )?(?:trial|study) (?:assistant|administrator|coordinator|associate)"
        r"|clinical trial specialist"
        r"|clinical (?:operations|research|project|trial) assistant"
        r"|clinical operations coordinator|trial master file|\btmf\b",
    ),
    (
        "clinical_research_associate",
        r"clinical (?:trial |study )?research associate"
        r"|clinical (?:site |trial |study )?monitor|site monitor|monitoring associate"
        r"|clinical site manager|site manager",
    ),
    (
        "clinical_trial_management",
        r"clinical trial (?:manager|management|lead|leader|director|operations)"
        r"|trial manager|global trial (?:manager|lead|leader)"
        r"|(?<!project )(?<!program )(?<!programme )"
        r"(?:manager|director|head|lead|leader)(?:,| of| for)? clinical trial",
    ),
    (
        "clinical_project_management",
        r"clinical (?:trial |study |research )?(?:project|program|programme)"
        r" (?:manager|management|lead|leader|director"
        r"|coordinator|specialist|associate)"
        r"|(?:project|program|programme) (?:manager|director|lead|leader)\W+(?:\w+ )?clinical",
    ),
    (
        "study_management",
        r"(?:clinical )?study (?:manager|management|lead|leader|start[- ]?up|operations)"
        r"|clinical study (?:director|associate|specialist)"
        r"|study start[- ]?up|site (?:activation|start[- ]?up)|feasibility (?:manager|lead)"
        r"|(?:manager|director|head|lead|leader)(?:,| of| for)? clinical study",
    ),
    (
        "clinical_research_management",
        r"clinical research (?:manager|management|director|lead|coordinator|operations"
        r"|specialist|program)|research (?:site|operations) manager",
    ),
    (
        "clinical_operations",
        r"clinical (?:development |trial |study |research )?operations"
        r"|development operations|r and d operations|clinical (?:trial|study) liaison",
    ),
)
_FAMILY_RES = [(name, re.compile(rf"\b(?:{pat})\b")) for name, pat in _FAMILIES]

_EXCLUDE = re.compile(
    r"\b(?:nurse|nurses|nursing|rn|lpn|np|laboratory|lab|labs|phlebotom\w*|software|engineer"
    r"|engineering|developer|devops|sales|account executive|account manager|business development"
    r"|marketing|success|customer|people operations|people ops|psycholog\w*|therapist|therapy"
    r"|physician|pharmacist|pharmacy|counsel\w*|social worker|scientist|data manager"
    r"|data management|statistic\w*|programmer|biostatistic\w*|recruit\w*|talent"
    r"|hr|human resources|finance|accountant|billing|revenue cycle|coding|coder|intake"
    r"|scheduler|receptionist|front desk|medical assistant|dental|veterinar\w*|technician"
    r"|technologist|patient care|care coordinator|care manager|case manager|dietitian"
    r"|physical therapist|clinician|psychiatr\w*|teacher|instructor|informatics"
    r"|it|product manager|product|designer|writer|editor|legal|paralegal|supply|supplies)\b"
)

_NON_CLINICAL_SETTING = re.compile(
    r"\b(?:construction|building|civil|retail|store|shop|restaurant|hospitality|hotel|catering"
    r"|kitchen|manufacturing|production|plant|factory|warehouse|logistics|distribution"
    r"|fulfil+ment|depot|facilities|maintenance|cleaning|security|solar|wind|energy|renewables?"
    r"|utilities|telecom\w*|network|mining|quarry|oil|gas|hvac|electrical|mechanical"
    r"|automotive|vehicle|agricultur\w*|farm|crop|field trial|events?|property|real estate"
    r"|school|childcare|data cent(?:er|re)|fundraising|philanthrop\w*|donor)\b"
)
_CLINICAL_SETTING = re.compile(
    r"\b(?:clinical|contract research|gcp|pharma\w*|biopharma\w*|biotech\w*)\b"
)

_VP = re.compile(r"\b(?:vice president|chief \w+(?: \w+)? officer|c[a-z]o)\b")
_DIRECTOR = re.compile(r"\b(?:director|head)\b(?! nurse)")
_SENIOR = re.compile(r"\b(?:senior|principal|lead|leader|staff|expert)\b")
_MANAGER = re.compile(r"\bmanager\b")
_ASSISTANT = re.compile(
    r"\b(?:assistant|associate|coordinator|specialist|administrator|junior|trainee|intern"
    r"|internship|apprentice|entry level|monitor)\b"
)
_JUNIOR_MANAGER = re.compile(r"\b(?:assistant|associate|junior)\b(?: \w+){0,3} manager\b")
_SITE_MANAGER = re.compile(r"\bsite manager\b")
_GRADE = re.compile(r"(?<!phase )\b(?:iv|v|iii|ii|i|[1-5])\b(?!\.\d)")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}


def _normalise(title: str) -> str:
    """Lower-case, expanded abbreviations, punctuation reduced to spaces."""
    text = title[:MAX_TITLE]
    for pattern, repl in _ABBREV:
        text = pattern.sub(repl, text)
    text = text.lower().replace("-", " ").replace("/", " / ")
    text = re.sub(r"[^\w,/ ]+", " ", text)
    text = _STUDIES.sub("study", _PLURAL.sub(r"\1", text))
    return " ".join(text.split())


def _non_clinical_setting(norm: str) -> bool:
    """True when the title names a non-clinical workplace and nothing clinical."""
    return bool(_NON_CLINICAL_SETTING.search(norm)) and not _CLINICAL_SETTING.search(norm)


def _family(norm: str) -> str | None:
    """The first family whose phrase appears in the normalised title."""
    for name, pattern in _FAMILY_RES:
        if pattern.search(norm):
            return name
    return None


def _grade(norm: str) -> int:
    """Highest roman/arabic grade such as 'II' or '3' after a role word, else 0."""
    best = 0
    for m in _GRADE.finditer(norm):
        token = m.group(0)
        best = max(best, _ROMAN.get(token, 0) or (int(token) if token.isdigit() else 0))
    return best


def title_level(norm: str) -> Level | None:
    """Ladder level of a normalised title (see the module docstring)."""
    if _VP.search(norm):
        return "vp"
    if _DIRECTOR.search(norm):
        return "director"
    site_manager = (
        bool(_SITE_MANAGER.search(norm))
        and not _SENIOR.search(norm)
        and not _non_clinical_setting(norm)
    )
    if _JUNIOR_MANAGER.search(norm) or site_manager:
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
    norm = _normalise(title or "")
    family = _family(norm)
    relevant = family is not None and not _EXCLUDE.search(norm) and not _non_clinical_setting(norm)
    return TitleInfo(
        relevant=relevant,
        family=family if relevant else None,
        level=title_level(norm) if norm else None,
    )
