"""Replay mode serves the recordings in sample/ to the real connectors."""

from __future__ import annotations

import gzip

import pytest

from core.errors import ConfigError, SourceError, TransientSourceError
from core.models import SourceRef
from sources.boards import ashby, lever
from sources.options import FetchOptions
from sources.registry import load_sources
from sources.replay import use_replay
from sources.session import build_session
from tests.conftest import SAMPLE
from tests.helpers import fetch_board


def replay_session(folder=SAMPLE):
    return use_replay(build_session(user_agent="test", retries=0), folder)


def test_every_sample_source_is_recorded() -> None:
    session = replay_session()
    from sources.registry import boards

    for source in load_sources(SAMPLE / "sources.yaml"):
        payloads = fetch_board(boards()[source.kind], session, source, FetchOptions())
        assert payloads and all(p.status == 200 for p in payloads)


def test_gzip_recordings_are_served_decompressed() -> None:
    source = SourceRef(name="ashby-solace", kind="ashby", board="solace", company="Solace")
    payload = fetch_board(ashby, replay_session(), source, FetchOptions())[0]
    assert payload.body == gzip.decompress((SAMPLE / "ashby" / "solace.json.gz").read_bytes())


def test_an_unrecorded_request_fails_clearly() -> None:
    source = SourceRef(name="lever-x", kind="lever", board="not-recorded", company="X")
    with pytest.raises(SourceError, match="no recorded response") as caught:
        fetch_board(lever, replay_session(), source, FetchOptions())
    assert not isinstance(caught.value, TransientSourceError)


def test_invalid_sources_file_names_the_problem(tmp_path) -> None:
    bad = tmp_path / "sources.yaml"
    bad.write_text("version: 1\nsources:\n  - {name: a, kind: taleo, board: b, company: c}\n")
    with pytest.raises(ConfigError, match="unknown kind 'taleo'"):
        load_sources(bad)
