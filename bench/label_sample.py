"""Draw the rows of the labelled sets from the real Ashby responses, at random (seeded).

Run once: ``python -m bench.label_sample OUT_DIR``. It writes unlabelled drafts (snippet, source,
and the structured Ashby fields as a hint); the labels in tests/data/ were then set by hand.
The split into dev and held-out is by a hash of the source, fixed before any labelling.

A later blind salary draw: ``python -m bench.label_sample --salary-draw 1617 OUT_DIR`` draws new
snippets (two per board at most) from postings that no existing label uses, split into
``dev-3`` / ``held-out-3`` by the same hash before anything is labelled or parsed; seed 1618
drew a fourth set (``dev-4`` / ``held-out-4``) the same way, after the third was labelled, and
seed 1619 a fifth (``dev-5`` / ``held-out-5``) after the fourth, seed 1620 a sixth after the fifth.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from bench.accuracy import DEFAULT_ASHBY, SALARY_LABELS, load_jobs
from parsers.location import country_code

SEED = 16
_MONEY = re.compile(r"[$€£¥₹]|\b(?:USD|EUR|GBP|CAD|AUD|CHF|SEK|DKK|NOK|PLN|INR|SGD)\b|\d\s?[kK]\b")


def split_of(source: str, suffix: str = "") -> str:
    """'held-out' for one third of the sources (by hash), else 'dev' (names end in ``suffix``)."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return ("held-out" if digest[0] % 3 == 0 else "dev") + suffix


def money_snippet(text: str, reach: int = 160, limit: int = 900) -> str:
    """Windows of each line around the money it mentions, with a short heading line before."""
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        spans: list[list[int]] = []
        for m in _MONEY.finditer(line):
            lo, hi = max(0, m.start() - reach), min(len(line), m.end() + reach)
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = hi
            else:
                spans.append([lo, hi])
        if not spans:
            continue
        head = lines[i - 1].strip() if i else ""
        if head and len(head) < 60 and head not in out:
            out.append(head)
        out.extend(_words(line, lo, hi) for lo, hi in spans)
    return "\n".join(out)[:limit]


def _words(line: str, lo: int, hi: int) -> str:
    """``line[lo:hi]`` widened to whole words."""
    while lo > 0 and not line[lo - 1].isspace():
        lo -= 1
    while hi < len(line) and not line[hi].isspace():
        hi += 1
    return line[lo:hi].strip()


def draw_salary(
    seed: int, exclude: set[str], suffix: str, per_board: int = 2, limit: int = 340
) -> list[dict[str, Any]]:
    """Unlabelled salary drafts from postings not in ``exclude``, at random (seeded)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    jobs = list(load_jobs(DEFAULT_ASHBY))
    rng.shuffle(jobs)
    per: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for job in jobs:
        source = f"ashby:{job.board}:{job.data.get('id')}"
        snippet = money_snippet(job.data.get("descriptionPlain") or "")
        if source in exclude or not snippet or per.get(job.board, 0) >= per_board:
            continue
        per[job.board] = per.get(job.board, 0) + 1
        postal = (job.data.get("address") or {}).get("postalAddress") or {}
        country = country_code(str(postal.get("addressCountry") or ""))
        split = split_of(source, suffix)
        rows.append({"source": source, "split": split, "country": country, "text": snippet})
        if len(rows) >= limit:
            break
    return rows


def main(out: str) -> int:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible draw, not a secret
    jobs = list(load_jobs(DEFAULT_ASHBY))
    rng.shuffle(jobs)
    per_board: dict[str, int] = {}
    salary: list[dict[str, Any]] = []
    locations: list[dict[str, Any]] = []
    titles: list[dict[str, Any]] = []
    seen_loc: set[str] = set()
    for job in jobs:
        data = job.data
        source = f"ashby:{job.board}:{data.get('id')}"
        snippet = money_snippet(data.get("descriptionPlain") or "")
        if snippet and per_board.get(job.board, 0) < 3 and len(salary) < 330:
            per_board[job.board] = per_board.get(job.board, 0) + 1
            comp = (data.get("compensation") or {}).get("scrapeableCompensationSalarySummary")
            salary.append({"source": source, "text": snippet, "hint": comp})
        loc = (data.get("location") or "").strip()
        if loc and loc not in seen_loc and len(locations) < 330:
            seen_loc.add(loc)
            postal = (data.get("address") or {}).get("postalAddress")
            locations.append({"source": source, "text": loc, "hint": postal})
        titles.append({"source": source, "title": data.get("title")})
    folder = Path(out)
    for name, rows in (("salary", salary), ("locations", locations), ("titles", titles)):
        for row in rows:
            row["split"] = split_of(str(row["source"]))
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(rows, allow_unicode=True, width=100))
    return 0


DRAWS = {1617: ("-3", 340), 1618: ("-4", 240), 1619: ("-5", 240), 1620: ("-6", 240)}


def main_salary_draw(seed: int, out: str) -> int:
    """Write ``OUT/salary_draw_<seed>.yaml``: a new blind draw, no labels yet."""
    labelled = yaml.safe_load(SALARY_LABELS.read_text(encoding="utf-8")) or []
    suffix, limit = DRAWS[seed]
    rows = draw_salary(seed, {str(r["source"]) for r in labelled}, suffix, limit=limit)
    path = Path(out) / f"salary_draw_{seed}.yaml"
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, width=100, sort_keys=False))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--salary-draw":
        sys.exit(main_salary_draw(int(sys.argv[2]), sys.argv[3]))
    sys.exit(main(sys.argv[1]))
