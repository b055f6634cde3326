"""The operational store on SQLite and, when installed, a real Postgres: the same code."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from core.errors import ConfigError
from core.models import Subscription
from core.secret_file import app_secret
from core.settings import Settings
from opstore import deliveries, leases
from opstore.db import head_revision, open_store, sqlite_url
from opstore.deliveries import Attempt, PendingDigest
from opstore.schema import aware, tokens
from opstore.subscriptions import (
    activate_id,
    active_subscriptions,
    audience,
    deactivate,
    deactivate_id,
    get_subscription,
    save_subscription,
    save_subscriptions,
    subscription_overview,
)
from opstore.tokens import forget_expired, hash_token, issue_token, new_token, resolve_token

NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[1]


def digest(sub_id: int, n: int, keys: list[tuple[str, str]], token=None) -> PendingDigest:
    return PendingDigest(
        message_id=f"<m{n}@x>",
        subscription_id=sub_id,
        cadence="daily",
        recipient="a@example.org",
        subject=f"digest {n}",
        message=f"Subject: {n}\n\nbody".encode(),
        posting_keys=keys,
        tokens=[token] if token else [],
    )


def test_subscriptions_upsert_by_address_and_cadence_in_any_case(any_store) -> None:
    first = save_subscription(any_store, Subscription(email="A@Example.org", levels=("vp",)), NOW)
    again = save_subscription(
        any_store, Subscription(email="a@example.ORG", countries=("DE",)), NOW
    )
    weekly = save_subscription(
        any_store, Subscription(email="a@example.org", cadence="weekly"), NOW
    )
    assert first == again != weekly
    stored, active = get_subscription(any_store, first, "A@EXAMPLE.org") or (None, False)
    assert active and stored is not None
    assert stored.email == "a@example.org" and stored.levels == () and stored.countries == ("DE",)
    assert get_subscription(any_store, first, "other@example.org") is None
    ids = save_subscriptions(
        any_store, [Subscription(email="b@x.org"), Subscription(email="B@x.org", no_news=True)], NOW
    )
    assert ids[0] == ids[1] and get_subscription(any_store, ids[0])[0].no_news  # type: ignore[index]
    assert deactivate(any_store, "A@example.org", "weekly") == 1
    assert deactivate_id(any_store, first) == 1 and deactivate_id(any_store, first) == 0
    assert [s.email for s in active_subscriptions(any_store, "daily")] == ["b@x.org"]
    assert activate_id(any_store, first, NOW) == 1
    assert [s.id for s in active_subscriptions(any_store, "daily")] == [first, ids[0]]


def test_deliveries_move_through_their_states(any_store) -> None:
    sub = save_subscription(any_store, Subscription(email="a@example.org"), NOW)
    gone = save_subscription(any_store, Subscription(email="gone@example.org"), NOW)
    deactivate_id(any_store, gone)
    _, issued = new_token("unsubscribe", NOW)
    batch = [digest(sub, 1, [("s", "p1"), ("s", "p2")], issued), digest(gone, 2, [("s", "p3")])]
    assert deliveries.record_pending_many(any_store, batch, NOW) == {"<m1@x>"}
    assert deliveries.record_pending_many(any_store, batch, NOW) == set()  # known: not twice
    deliveries.record_pending_many(any_store, [digest(sub, 3, [("s", "p4")])], NOW)
    deliveries.mark_sending_many(any_store, ["<m1@x>"], NOW)
    assert [(u.message_id, u.status) for u in deliveries.unsent(any_store, "daily")] == [
        ("<m1@x>", "sending"),
        ("<m3@x>", "pending"),
    ]
    deliveries.record_attempts(
        any_store,
        [Attempt("<m1@x>", True, False, None), Attempt("<m3@x>", False, False, "451 later")],
        transport="smtp",
        upcoming=[],
        now=NOW,
    )
    for _ in range(deliveries.MAX_ATTEMPTS - 1):  # the 8th attempt gives up
        deliveries.mark_result(
            any_store, "<m3@x>", ok=False, permanent=False, error="451", transport="smtp", now=NOW
        )
    overview = {row[1]: row for row in subscription_overview(any_store)}
    _, _, _, active, filters, sent, last_sent, waiting, failed, error = overview["a@example.org"]
    assert (active, sent, last_sent, waiting, failed) == (True, 1, NOW, 0, 1)
    assert error == "451 (gave up after 8 attempts)" and filters == ""
    assert deliveries.last_recorded(any_store, "daily") == {sub: NOW}
    assert deliveries.unsent(any_store, "daily") == []


def test_accepted_messages_recorded_together_as_one_by_one(any_store) -> None:
    """record_attempts records accepted messages in one statement: the same row as mark_result
    (attempts counted, error cleared), and a message already sent stays as it was."""
    sub = save_subscription(any_store, Subscription(email="a@example.org"), NOW)
    deliveries.record_pending_many(
        any_store, [digest(sub, n, [("s", f"p{n}")]) for n in (1, 2, 3)], NOW
    )
    later = NOW + timedelta(hours=1)
    deliveries.mark_result(
        any_store, "<m1@x>", ok=False, permanent=False, error="451", transport="smtp", now=NOW
    )
    deliveries.mark_result(
        any_store, "<m2@x>", ok=False, permanent=False, error="451", transport="smtp", now=NOW
    )
    deliveries.mark_result(
        any_store, "<m3@x>", ok=True, permanent=False, error=None, transport="smtp", now=NOW
    )
    deliveries.mark_result(
        any_store, "<m1@x>", ok=True, permanent=False, error=None, transport="outbox", now=later
    )
    accepted = [Attempt(i, True, False, None) for i in ("<m2@x>", "<m3@x>")]
    deliveries.record_attempts(any_store, accepted, transport="outbox", upcoming=[], now=later)
    query = (
        "SELECT message_id, status, error, attempts, transport, sent_at FROM deliveries ORDER BY 1"
    )
    with any_store.reader() as con:
        rows = [(*r[:5], aware(r[5])) for r in con.execute(sa.text(query))]
    assert rows[0][1:] == rows[1][1:] == ("sent", None, 2, "outbox", later)
    assert rows[2][1:] == ("sent", None, 1, "smtp", NOW)  # already sent: unchanged


def test_stopping_cancels_waiting_digests(any_store) -> None:
    sub = save_subscription(any_store, Subscription(email="a@example.org"), NOW)
    deliveries.record_pending_many(any_store, [digest(sub, 1, [])], NOW)
    deactivate_id(any_store, sub)
    assert deliveries.cancel_inactive(any_store) == 1
    assert deliveries.unsent(any_store, "daily") == []


def test_the_audience_brings_only_pairs_that_can_still_be_in_the_window(any_store) -> None:
    old = save_subscription(
        any_store, Subscription(email="old@example.org"), NOW - timedelta(days=30)
    )
    new = save_subscription(any_store, Subscription(email="new@example.org"), NOW)
    save_subscription(any_store, Subscription(email="w@example.org", cadence="weekly"), NOW)
    deliveries.record_pending_many(
        any_store, [digest(old, 1, [("s", "long-ago")])], NOW - timedelta(days=10)
    )
    deliveries.record_pending_many(any_store, [digest(old, 2, [("s", "recent")])], NOW)
    who = audience(any_store, "daily", 1)
    since = {sub.id: at for sub, at in who.subscriptions}
    assert since == {old: NOW - timedelta(days=1), new: NOW - timedelta(days=1)}
    assert who.delivered == [(old, "s", "recent")]
    assert audience(any_store, "weekly", 7).delivered == []


def test_tokens_are_opaque_hashed_and_bound_to_one_purpose(any_store) -> None:
    sub = save_subscription(any_store, Subscription(email="a@example.org"), NOW)
    token = issue_token(any_store, "manage", sub, NOW)
    assert len(token) >= 43 and "a@example.org" not in token and str(sub) != token
    assert resolve_token(any_store, token, "manage", NOW) == sub
    assert resolve_token(any_store, token, "unsubscribe", NOW) is None
    assert (
        resolve_token(any_store, token[:-1] + ("A" if token[-1] != "A" else "B"), "manage", NOW)
        is None
    )
    assert resolve_token(any_store, token, "manage", NOW + timedelta(days=91)) is None  # expired
    confirm = issue_token(any_store, "confirm", sub, NOW)
    assert resolve_token(any_store, confirm, "confirm", NOW + timedelta(hours=47)) == sub
    assert resolve_token(any_store, confirm, "confirm", NOW + timedelta(hours=49)) is None
    for bad in ("", "x" * 5000, "<script>", "a.b"):
        assert resolve_token(any_store, bad, "manage", NOW) is None
    with any_store.reader() as con:
        stored = [tuple(r) for r in con.execute(sa.select(tokens.c.token_hash, tokens.c.purpose))]
    assert (hash_token(token), "manage") in stored
    assert all(token not in value for row in stored for value in row)  # only the hash is kept
    with pytest.raises(ValueError, match="purpose"):
        new_token("login", NOW)
    assert forget_expired(any_store, NOW + timedelta(days=91)) == 2  # manage and confirm
    with any_store.reader() as con:
        assert con.execute(sa.select(sa.func.count()).select_from(tokens)).scalar() == 0


def test_a_lease_keeps_a_second_holder_out_until_released(any_store) -> None:
    with leases.acquire(any_store, "digest-daily", 0):
        with pytest.raises(leases.LeaseBusyError):
            leases.acquire(any_store, "digest-daily", 0.3)
        with leases.acquire(any_store, "digest-weekly", 0):
            pass
    with leases.acquire(any_store, "digest-daily", 0):
        pass


def test_a_lease_of_a_dead_process_or_past_its_expiry_is_taken_over(any_store) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    import socket

    with any_store.transaction() as con:
        assert leases.try_acquire(
            con, "digest-daily", f"{socket.gethostname()}:{dead.stdout.strip()}:x", NOW, 3600
        )
        assert leases.try_acquire(con, "digest-weekly", "elsewhere:1:x", NOW, 60)
    with leases.acquire(any_store, "digest-daily", 0):  # its owner is gone
        pass
    with any_store.transaction() as con:
        now = datetime.now(UTC)
        assert not leases.try_acquire(
            con, "digest-weekly", "me:2:y", NOW + timedelta(seconds=30), 60
        )
        assert leases.try_acquire(con, "digest-weekly", "me:2:y", now + timedelta(hours=2), 60)


def test_opening_migrates_once_to_the_head(any_store) -> None:
    with any_store.reader() as con:
        assert con.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
            head_revision()
        )
    assert open_store(any_store.engine.url.render_as_string(hide_password=False)) is any_store


SQLITE_FIRST_OPEN = (
    "import sys; from opstore.db import open_store, sqlite_url;"
    "from opstore.subscriptions import save_subscription; from core.models import Subscription;"
    "from datetime import datetime, UTC; from pathlib import Path;"
    "store = open_store(sqlite_url(Path(sys.argv[1])));"
    "save_subscription(store, Subscription(email=sys.argv[2]), datetime.now(UTC))"
)


def test_sqlite_is_wal_with_foreign_keys_and_survives_a_concurrent_first_open(tmp_path) -> None:
    path = tmp_path / "ops.sqlite3"
    processes = [
        subprocess.Popen([sys.executable, "-c", SQLITE_FIRST_OPEN, str(path), f"p{n}@x.org"],
                         cwd=REPO, stderr=subprocess.PIPE, text=True)
        for n in range(3)
    ]  # fmt: skip
    for process in processes:
        assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    store = open_store(sqlite_url(path))
    with store.reader() as con:
        assert con.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert con.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert (con.execute(sa.text("PRAGMA busy_timeout")).scalar() or 0) >= 5000
    assert len(active_subscriptions(store, "daily")) == 3
    assert deliveries.record_pending_many(store, [digest(999, 1, [])], NOW) == set()
    # The foreign key refuses a delivery for an unknown subscription.
    with pytest.raises(sa.exc.IntegrityError), store.transaction() as con:
        con.execute(
            deliveries.deliveries.insert().values(
                message_id="<x@y>", subscription_id=999, cadence="daily", recipient="a@b.org",
                status="pending", posting_count=0, created_at=NOW)
        )  # fmt: skip


def test_the_settings_name_the_store_and_refuse_the_placeholder_as_a_secret(tmp_path) -> None:
    settings = Settings(db_path=tmp_path / "w.duckdb")
    assert settings.ops_store_url() == f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    url = "postgresql+psycopg://app:pw@db.internal/ops"
    on_postgres = Settings(ops_url=SecretStr(url))
    assert on_postgres.ops_store_url() == url and "pw" not in repr(on_postgres)
    assert Settings().legacy_token_secret is None  # the placeholder signs nothing we accept
    real = Settings(unsubscribe_secret=SecretStr("a-real-secret"))
    assert real.legacy_token_secret == "a-real-secret"


def test_the_app_secret_is_random_owner_only_and_kept(tmp_path) -> None:
    path = tmp_path / "app-secret"
    first = app_secret(path)
    assert len(first) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert app_secret(path) == first and app_secret(tmp_path / "other") != first
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="owner only"):
        app_secret(path)
