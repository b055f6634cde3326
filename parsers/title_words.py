"""Words of job titles brought to one English form before the title parser reads them.

Three general mechanisms, each a table rather than a list of cases:

- other languages: German, French, Spanish and Japanese role words and phrases are mapped to
  their English equivalents ("Klinischer Studienleiter" -> "clinical study manager",
  "Attaché de recherche clinique" -> "clinical research associate", "臨床開発モニター" -> "clinical
  research associate"); accents are folded first, gender markers ("(m/w/d)", "H/F", "(e)") dropped;
- typos: a word one edit away from a ladder or role word ("Mananger", "Cordinator") is read as
  that word (symmetric-delete lookup, so it costs a few set look-ups per word);
- abbreviations: Sr., Assoc., CTM, CRA ... are expanded (the caller decides what an abbreviation
  alone may prove).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_JAPANESE: tuple[tuple[str, str], ...] = (
    ("臨床開発モニター", "clinical research associate"),
    ("治験コーディネーター", "clinical research coordinator"),
    ("プロジェクトマネージャー", "project manager"),
    ("スタディマネージャー", "study manager"),
    ("マネージャー", "manager"),
    ("マネジャー", "manager"),
    ("モニター", "monitor"),
    ("コーディネーター", "coordinator"),
    ("アシスタント", "assistant"),
    ("ディレクター", "director"),
    ("臨床開発", "clinical development"),
    ("臨床試験", "clinical trial"),
    ("臨床研究", "clinical research"),
    ("治験", "clinical trial"),
    ("部長", "director"),
    ("課長", "manager"),
)

# (pattern on accent-folded lower-case text, replacement); longer phrases first.
_FOREIGN: tuple[tuple[str, str], ...] = (
    # French
    (r"\battache(?:e)? de recherche clinique\b", "clinical research associate"),
    (r"\bcharge(?:e)? d etudes? cliniques?\b", "clinical study associate"),
    (r"\btechnicien(?:ne)? d etudes? cliniques?\b", "clinical study coordinator"),
    (r"\bassistante? d etudes? cliniques?\b", "clinical study assistant"),
    (r"\bchef de projets?\b", "project manager"),
    (r"\betudes? cliniques?\b", "clinical study"),
    (r"\bessais? cliniques?\b", "clinical trial"),
    (r"\brecherche clinique\b", "clinical research"),
    (r"\boperations cliniques\b", "clinical operations"),
    (r"\bcoordinat(?:eur|rice)\b", "coordinator"),
    (r"\bmonit(?:eur|rice)\b", "monitor"),
    (r"\bdirect(?:eur|rice)\b", "director"),
    (r"\bresponsable\b", "manager"),
    (r"\bstagiaire\b", "intern"),
    (r"\b(?:alternant|alternance|apprenti)e?\b", "apprentice"),
    # Spanish
    (r"\bensayos? clinicos?\b", "clinical trial"),
    (r"\bestudios? clinicos?\b", "clinical study"),
    (r"\boperaciones clinicas\b", "clinical operations"),
    (r"\binvestigacion clinica\b", "clinical research"),
    (r"\bjefe de proyecto\b", "project manager"),
    (r"\bcoordinador(?:a)?\b", "coordinator"),
    (r"\basistente\b", "assistant"),
    (r"\bgerente\b", "manager"),
    (r"\bdirectora\b", "director"),
    # German
    (r"\bwerkstudent(?:in)?\b", "working student"),
    (r"\bpraktik(?:ant|antin|um)\b", "intern"),
    (r"\bklinische[rnms]?\b", "clinical"),
    (r"\bforschung\b", "research"),
    (r"\bstudien(?=\w)", "study "),
    (r"\bstudien\b", "study"),
    (r"\bstudie\b", "study"),
    (r"\bprojekt(?:manager(?:in)?|leiter(?:in)?)\b", "project manager"),
    (r"\bleiter(?:in)?\b", "manager"),
    (r"\bleitung\b", "head of"),
    (r"\bassistenz\b", "assistant"),
    (r"\bkoordinator(?:in)?\b", "coordinator"),
    (r"\bmonitorin\b", "monitor"),
)
_FOREIGN_RES = [(re.compile(p), r) for p, r in _FOREIGN]
# Cheap gate: only titles with one of these stems (or non-ASCII) go through the table above.
_FOREIGN_HINT = re.compile(
    r"klinisch|studie|leiter|leitung|werkstudent|praktik|forschung|projekt|assistenz|koordinator"
    r"|recherche|clinique|etude|essai|chef de|charge|moniteur|monitrice|directeur|directrice"
    r"|coordinat|responsable|stagiaire|alternan|apprenti|ensayo|estudio|operaciones"
    r"|investigacion|gerente|asistente|jefe|monitorin"
)
_GENDER = re.compile(r"\((?:m|w|f|d|h|x|all)(?:\s?/\s?(?:m|w|f|d|h|x)){1,2}\)|\b[hf]\s?/\s?[fh]\b")
_GENDER_SUFFIX = re.compile(r"\((?:e|ne|in|a)\)|/a\b")

# French ARC is a CRA, read only in a French title (elsewhere 'ARC' is many things).
_FRENCH = re.compile(r"\b(?:h\s?/\s?f|f\s?/\s?h|clinique|moniteur|monitrice|oncologie)\b")
_ARC = re.compile(r"\barc\b")

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
    (r"\bih ?cras?\b", "in house clinical research associate"),
    (r"\bcras?\b", "clinical research associate"),
    (r"\bcrcs?\b", "clinical research coordinator"),
    (r"\bcpms?\b", "clinical project manager"),
    (r"\bctls?\b", "clinical trial lead"),
    (r"\bcsms?\b(?=.*\b(?:clinical|study|trial)\b)", "clinical study manager"),
    (r"\bcro\b", "contract research organisation"),
    (r"\bco[- ]?op\b", "coop"),
    (r"&", " and "),
)
_ABBREV = [(re.compile(p, re.IGNORECASE), r) for p, r in _ABBREVIATIONS]

# Words a typo is corrected to (long enough that one edit cannot reach another common word).
_VOCABULARY = frozenset(
    (
        "manager",
        "director",
        "coordinator",
        "assistant",
        "associate",
        "specialist",
        "clinical",
        "research",
        "operations",
        "administrator",
        "monitoring",
        "management",
        "principal",
    )
)
_SUFFIXES = ("s", "es", "d", "ed", "y", "al", "ial")
MIN_TYPO_WORD = 6


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_DELETES: dict[str, str] = {d: w for w in _VOCABULARY for d in _deletes(w)}


@lru_cache(maxsize=4096)
def correct_typo(word: str) -> str:
    """``word``, or the vocabulary word one edit away from it ('mananger' -> 'manager')."""
    if len(word) < MIN_TYPO_WORD or word in _VOCABULARY or not word.isalpha():
        return word
    if any(word.endswith(s) and word[: -len(s)] in _VOCABULARY for s in _SUFFIXES):
        return word
    if word in _DELETES:
        return _DELETES[word]
    for shorter in _deletes(word):
        if shorter in _VOCABULARY:
            return shorter
        if shorter in _DELETES and abs(len(_DELETES[shorter]) - len(word)) <= 1:
            return _DELETES[shorter]
    return word


def fold(text: str) -> str:
    """Lower-case text without accents (é -> e); CJK characters are kept."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def translate(title: str) -> str:
    """Folded lower-case ``title`` with German, French, Spanish, Japanese role words in English."""
    text = title.lower()
    if text.isascii():
        if not _FOREIGN_HINT.search(text):
            return text
    else:
        for source, target in _JAPANESE:
            if source in text:
                text = text.replace(source, f" {target} ")
        text = fold(text)
    text = _GENDER.sub(" ", text)
    text = _GENDER_SUFFIX.sub("", text).replace("'", " ").replace("’", " ")
    if _FRENCH.search(text):
        text = _ARC.sub("clinical research associate", text)
    for pattern, repl in _FOREIGN_RES:
        text = pattern.sub(repl, text)
    return text


def expand(text: str) -> str:
    """Abbreviations expanded ('Sr. CTM' -> 'senior clinical trial manager')."""
    for pattern, repl in _ABBREV:
        text = pattern.sub(repl, text)
    return text
