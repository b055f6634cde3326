"""The subscriber desk on a real operational store (SQLite file) with a clock we control:
double opt-in expiry, who digests go to, and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.models import Subscription
from digests.mailer import OutboxMailer
from opstore.deliveries import PendingDigest, record_pending_many
from opstore.subscriptions import audience
from tests.helpers import ops_of, ops_rows
from tests.web_site import link_in, outbox_messages
from web.service import DeskConfig, SubscriberDesk

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(tmp_path: Path) -> tuple[SubscriberDesk, Clock]:
    clock = Clock()
    config = DeskConfig("https://alerts.example.org/", "alerts@example.org", tmp_path / "w.duckdb")
    store = ops_of(tmp_path / "w.duckdb")
    return SubscriberDesk(store, OutboxMailer(tmp_path / "outbox"), config, clock), clock


def token_in_last_email(desk: SubscriberDesk, folder: Path, page: str) -> str:
    desk.sender.drain()
    return link_in(outbox_messages(folder)[-1], page).split("token=", 1)[1]


def who_gets(desk: SubscriberDesk, cadence: str = "daily") -> list[str]:
    with desk.store.reader() as con:
        return [sub.email for sub, _ in audience(con, cadence, 1).subscriptions]


def test_a_confirmation_link_works_for_48_hours_only(desk, tmp_path: Path) -> None:
    desk_, clock = desk
    desk_.request_signup(Subscription(email="a@example.org"))
    token = token_in_last_email(desk_, tmp_path, "confirm")
    clock.now = T0 + timedelta(hours=47)
    assert desk_.account(token, "confirm") is not None
    clock.now = T0 + timedelta(hours=49)
    assert desk_.account(token, "confirm") is None
    assert desk_.confirm(token) is None
    assert who_gets(desk_) == []


def test_digests_go_only_to_confirmed_unpaused_subscriptions(desk, tmp_path: Path) -> None:
    desk_, _ = desk
    desk_.request_signup(Subscription(email="b@example.org", levels=("senior",)))
    assert who_gets(desk_) == [], "pending until confirmed"
    confirmed = desk_.confirm(token_in_last_email(desk_, tmp_path, "confirm"))
    assert confirmed is not None and confirmed.status == "active" and confirmed.manage_token
    assert who_gets(desk_) == ["b@example.org"]
    manage = confirmed.manage_token
    paused = desk_.set_paused(manage, True)
    assert paused is not None and paused.status == "paused"
    assert who_gets(desk_) == []
    desk_.set_paused(manage, False)
    assert who_gets(desk_) == ["b@example.org"]
    saved = desk_.save(manage, Subscription(email="b@example.org", cadence="weekly"))
    assert saved is not None and saved.subscription.cadence == "weekly"
    assert saved.subscription.levels == ()
    assert who_gets(desk_, "daily") == [] and who_gets(desk_, "weekly") == ["b@example.org"]
    stopped = desk_.unsubscribe(manage, "manage")
    assert stopped is not None and stopped[1] is True
    assert desk_.unsubscribe(manage, "manage") == (stopped[0], False), "idempotent"
    assert who_gets(desk_, "weekly") == []


def test_signing_up_again_leaves_an_active_subscription_alone(desk, tmp_path: Path) -> None:
    desk_, _ = desk
    desk_.request_signup(Subscription(email="c@example.org", levels=("director",)))
    desk_.confirm(token_in_last_email(desk_, tmp_path, "confirm"))
    desk_.request_signup(Subscription(email="C@example.org", levels=("assistant",)))
    manage = token_in_last_email(desk_, tmp_path, "manage")
    account = desk_.account(manage, "manage")
    assert account is not None and account.subscription.levels == ("director",)
    assert account.status == "active"


def test_delete_my_data_erases_the_address_and_its_history(desk, tmp_path: Path) -> None:
    desk_, clock = desk
    desk_.request_signup(Subscription(email="d@example.org"))
    confirmed = desk_.confirm(token_in_last_email(desk_, tmp_path, "confirm"))
    assert confirmed is not None and confirmed.subscription.id is not None
    sub_id = confirmed.subscription.id
    with desk_.store.transaction() as con:
        record_pending_many(
            con,
            [PendingDigest("<m1@x>", sub_id, "daily", "d@example.org", "s", b"x", [("a", "1")])],
            clock.now,
        )
    assert confirmed.manage_token is not None
    assert desk_.delete(confirmed.manage_token) == "d@example.org"
    for table in ("subscriptions", "deliveries", "delivery_items", "tokens", "notices"):
        rows = ops_rows(desk_.store, f"SELECT * FROM {table}")
        assert rows == [], table
    assert desk_.account(confirmed.manage_token, "manage") is None


def test_a_stored_token_is_a_hash_and_no_address_is_in_a_link(desk, tmp_path: Path) -> None:
    desk_, _ = desk
    desk_.request_signup(Subscription(email="e@example.org"))
    token = token_in_last_email(desk_, tmp_path, "confirm")
    stored = [r[0] for r in ops_rows(desk_.store, "SELECT token_hash FROM tokens")]
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
    assert "e@example.org" not in link_in(outbox_messages(tmp_path)[-1], "confirm")
    with desk_.store.reader() as con:
        assert con.execute(sa.text("SELECT count(*) FROM notices")).scalar_one() == 1
