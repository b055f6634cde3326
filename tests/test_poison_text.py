"""Poison text from a board (lone UTF-16 surrogates, NUL, other control characters) is made
valid at the parse boundary: the posting is kept with the characters replaced, the run goes on
to every other source, finishes with its status, and `reparse` survives the stored payload."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.models import BoardParse, ParseError, Posting, RawPayload, SourceRef
from core.settings import get_settings
from pipeline.ingest import parse_safely
from pipeline.sanitize import clean_json_escapes, clean_text, cleaned
from warehouse.db import connect_reader

REPO = Path(__file__).resolve().parents[1]
GH = "https://boards-api.greenhouse.io/v1/boards/{}/jobs?content=true&pay_transparency=true"


def test_clean_text_replaces_what_duckdb_and_email_refuse() -> None:
    assert clean_text("a\udc80b") == "a\ufffdb"
    assert clean_text("a\x00b\x07c") == "a b c"
    assert clean_text("tab\tnew\nline\r") == "tab\tnew\nline\r"
    assert clean_text("ok \u00e9\U0001f600") == "ok \u00e9\U0001f600"
    assert clean_text("\ufffe") == "\ufffd"


def test_cleaned_walks_every_string_of_a_parse() -> None:
    posting = Posting("s", "1\x00", "https://x/\udc80", "Title \ud800", "Co")
    parse = BoardParse([posting], [ParseError("s", "\udfff", "bad \x00")], ["\ud83d"])
    out = cleaned(parse)
    assert out.postings[0].title == "Title \ufffd"
    assert out.postings[0].url == "https://x/\ufffd"
    assert out.errors[0] == ParseError("s", "\ufffd", "bad  ")
    assert out.listed_ids == ["\ufffd"]
    json.dumps(out.postings[0].title).encode()  # encodable now


def test_json_escapes_of_lone_surrogates_are_replaced_pairs_kept() -> None:
    body = rb'{"a": "x\udc80y", "b": "\ud83d\ude00", "c": "\\udc80", "d": "\uD800"}'
    decoded = json.loads(clean_json_escapes(body))
    assert decoded == {"a": "x\ufffdy", "b": "\U0001f600", "c": "\\udc80", "d": "\ufffd"}


def test_a_parser_that_raises_becomes_a_parse_error(monkeypatch) -> None:
    import pipeline.ingest as ingest

    def explode(raw: RawPayload, source: SourceRef) -> BoardParse:
        raise RecursionError("maximum recursion depth exceeded \udc80")

    monkeypatch.setattr(ingest, "board_parser", lambda kind: explode)
    source = SourceRef(name="s", kind="greenhouse", board="b", company="c")
    raw = RawPayload("s", "greenhouse", "u", __import__("datetime").datetime.now(), 200, "", b"{}")
    parsed = parse_safely(source, raw)
    assert parsed.postings == []
    assert parsed.errors[0].message.startswith("parser crashed: RecursionError")
    assert "\udc80" not in parsed.errors[0].message


def poison_sample(sample: Path) -> Path:
    """The sample plus a Greenhouse board whose postings carry surrogates and NUL, listed
    before the others so a crash would stop them."""
    doc = json.loads((sample / "greenhouse" / "northwindbio.json").read_text())
    jobs = doc["jobs"][:3]
    for job in jobs:
        job["id"] = job["id"] + 1
    body = json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}})
    body = body.replace('"title": "', '"title": "\\udc80 ', 1)
    body = body.replace('"content": "', '"content": "\\u0000\\ud800 nul ', 1)
    (sample / "poison.json").write_text(body)
    responses = yaml.safe_load((sample / "responses.yaml").read_text())
    responses.append({"url": GH.format("poisonco"), "file": "poison.json", "status": 200,
                      "content_type": "application/json"})  # fmt: skip
    (sample / "responses.yaml").write_text(yaml.safe_dump(responses))
    sources = yaml.safe_load((sample / "sources.yaml").read_text())
    sources["sources"].insert(
        0, {"name": "aaa-poison", "kind": "greenhouse", "board": "poisonco", "company": "P"}
    )
    path = sample / "sources.yaml"
    path.write_text(yaml.safe_dump(sources))
    return path


def run_cli(*args: str, env_db: Path) -> subprocess.CompletedProcess[str]:
    env = {**__import__("os").environ, "JOBALERTS_DB_PATH": str(env_db)}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=240, check=False,
    )  # fmt: skip


@pytest.mark.usefixtures("prefect_api")
def test_poison_postings_are_kept_and_the_run_finishes(settings_env, sample_copy) -> None:
    from flows.ingest import ingest

    sources = poison_sample(sample_copy)
    summary = ingest(sources_file=str(sources), replay_dir=str(sample_copy))
    assert summary.failed == []
    by_source = {s.source: s for s in summary.sources}
    assert by_source["aaa-poison"].postings == 3
    assert by_source["lever-trialpath"].postings > 0  # the sources after it were stored
    db = get_settings().db_path
    con = connect_reader(db)
    try:
        titles = [r[0] for r in con.execute(
            "SELECT title FROM postings WHERE source = 'aaa-poison' ORDER BY title"
        ).fetchall()]  # fmt: skip
        described = con.execute(
            "SELECT count(*) FROM postings WHERE source = 'aaa-poison' AND description LIKE '%nul%'"
        ).fetchone()
        runs = con.execute("SELECT status FROM runs WHERE flow = 'ingest'").fetchall()
    finally:
        con.close()
    assert any(t.startswith("\ufffd") for t in titles)
    assert described == (1,)
    assert runs == [("ok",)]


@pytest.mark.usefixtures("prefect_api")
def test_reparse_survives_stored_poison(tmp_path, sample_copy) -> None:
    """Through the real CLI: ingest the poison, then reparse the stored payloads."""
    sources = poison_sample(sample_copy)
    db = tmp_path / "w.duckdb"
    first = run_cli("ingest", "--sources", str(sources), "--replay", str(sample_copy), env_db=db)
    assert first.returncode == 0, first.stderr[-2000:]
    again = run_cli("reparse", env_db=db)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "re-parsed" in again.stdout


@pytest.mark.usefixtures("prefect_api")
def test_ingest_exits_2_when_a_source_failed_and_keeps_the_rest(settings_env, sample_copy) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    sources = poison_sample(sample_copy)
    doc = yaml.safe_load(sources.read_text())
    doc["sources"].append({"name": "gh-gone", "kind": "greenhouse", "board": "goneco",
                           "company": "Gone"})  # fmt: skip
    sources.write_text(yaml.safe_dump(doc))
    (sample_copy / "gone.json").write_text("")
    responses = yaml.safe_load((sample_copy / "responses.yaml").read_text())
    responses.append({"url": GH.format("goneco"), "file": "gone.json", "status": 404})
    (sample_copy / "responses.yaml").write_text(yaml.safe_dump(responses))
    for command in ("ingest", "run"):
        result = CliRunner().invoke(
            app, [command, "--sources", str(sources), "--replay", str(sample_copy)]
        )
        assert result.exit_code == 2, result.output[-2000:]
    con = connect_reader(get_settings().db_path)
    try:
        statuses = con.execute("SELECT flow, status FROM runs WHERE flow = 'ingest'").fetchall()
        assert statuses == [("ingest", "partial")] * 2
        kept = con.execute("SELECT count(*) FROM postings WHERE source = 'aaa-poison'").fetchone()
    finally:
        con.close()
    assert kept == (3,)


def test_a_body_without_lone_surrogate_escapes_is_not_rewritten() -> None:
    body = rb'{"b": "\ud83d\ude00", "c": "\u00e9", "d": "\\\ud83d\ude00"}'
    assert clean_json_escapes(body) is body


def test_a_lone_surrogate_the_quick_scan_misses_is_still_mended() -> None:
    """Escaped-backslash text that looks like a high surrogate, then a lone low one."""
    job = rb'{"id": "1", "title": "CTM \\ud800\udc00", "location": "Boston", "jobUrl": "u"}'
    body = rb'{"jobs": [' + job + rb"]}"
    assert clean_json_escapes(body) is body
    source = SourceRef(name="s", kind="ashby", board="b", company="c")
    raw = RawPayload("s", "ashby", "u", __import__("datetime").datetime.now(), 200, "", body)
    [posting] = parse_safely(source, raw).postings
    assert posting.title == "CTM \\ud800\ufffd"
