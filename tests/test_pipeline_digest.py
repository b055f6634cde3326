"""Digest delivery end to end against a real SMTP server: once, retried, failures isolated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from cli.summary import console, print_digest_summary
from core.benchmarks import load_benchmarks
from core.settings import Settings, get_settings
from digests.mailer import HeaderInjectionError, OutboxMailer, SendResult, SmtpMailer
from opstore import leases
from opstore.deliveries import Attempt
from opstore.subscriptions import (
    deactivate,
    save_subscription,
    save_subscriptions,
    subscription_overview,
)
from pipeline.digest import (
    DeliveryStoppedError,
    DigestOutcome,
    DigestRunBusyError,
    make_mailer,
    send_digests,
    settings_with_smtp,
)
from pipeline.ingest import fetch_options, fetch_source, make_session, store_and_parse
from pipeline.journal import journal_path, read_journal
from sources.registry import load_sources
from subscriptions.input import load_subscriptions, subscription_from
from tests.conftest import SAMPLE
from tests.helpers import add_forty, ops_of, ops_rows
from tests.smtp_server import CollectingHandler, body, free_port, smtp_server
from warehouse.db import connect_reader


@pytest.fixture
def loaded(db, ops):
    """A warehouse with the sample ingested, the sample subscriptions saved beside it."""
    settings = Settings(replay_dir=SAMPLE)
    with make_session(settings) as session:
        for source in load_sources(SAMPLE / "sources.yaml"):
            store_and_parse(db, fetch_source(session, source, fetch_options(settings)))
    for sub in load_subscriptions(SAMPLE / "subscriptions.yaml"):
        save_subscription(ops, sub, datetime.now(UTC))
    return db


def send(db, port: int, cadence: str = "daily"):
    mailer = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
    return send_digests(db, cadence, Settings(), load_benchmarks(), mailer, "smtp")


def test_a_550_for_one_recipient_does_not_block_the_others(loaded) -> None:
    handler = CollectingHandler(reject={"remote-cra@example.com"})
    with smtp_server(handler) as port:
        outcome = send(loaded, port)
    assert outcome.composed == 2 and outcome.sent == 1
    assert [m["To"] for m in handler.messages] == ["hub-ctm@example.com"]
    assert len(outcome.failed) == 1 and "remote-cra@example.com" in outcome.failed[0]
    status = ops_rows(ops_of(loaded), "SELECT recipient, status FROM deliveries ORDER BY recipient")
    assert status == [("hub-ctm@example.com", "sent"), ("remote-cra@example.com", "failed")]
    errors = {row[1]: row[-1] for row in subscription_overview(ops_of(loaded))}
    assert errors["remote-cra@example.com"] and errors["hub-ctm@example.com"] is None
    with smtp_server(CollectingHandler()) as port:
        assert send(loaded, port).sent == 0  # a permanent failure is not retried


def test_a_server_that_is_down_is_retried_next_run_without_duplicates(loaded) -> None:
    down = send(loaded, free_port())
    assert down.sent == 0 and len(down.failed) == down.composed == 2
    assert ops_rows(ops_of(loaded), "SELECT DISTINCT status FROM deliveries") == [("retry",)]
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        up = send(loaded, port)
        assert up.retried == 2 and up.composed == 0 and up.sent == 2
        assert send(loaded, port).sent == 0
    ids = sorted(m["Message-ID"] for m in handler.messages)
    recorded = sorted(r[0] for r in ops_rows(ops_of(loaded), "SELECT message_id FROM deliveries"))
    assert ids == recorded


def test_weekly_digest_carries_the_market_by_level_and_hub(loaded) -> None:
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        outcome = send(loaded, port, "weekly")
    assert outcome.sent == 2
    text = body(handler.messages[0], "plain")
    assert "NEW ROLES BY HUB" in text  # of the roles posted this week (the sample keeps its ages)
    assert "median" in text.lower()


# ---------------------------------------------------------------- batches and failures


def subscribe_many(db, count: int, **filters) -> list[str]:
    """`count` daily subscribers of CRA roles (plus any filters); their addresses."""
    now = datetime.now(UTC)
    emails = [f"cra{n:04d}@example.org" for n in range(count)]
    subs = [
        subscription_from({"email": e, "keywords": ["clinical research associate"], **filters})
        for e in emails
    ]
    save_subscriptions(ops_of(db), subs, now)
    return emails


def statuses(db) -> dict[str, int]:
    rows = ops_rows(ops_of(db), "SELECT status, count(*) FROM deliveries GROUP BY 1")
    return {str(k): int(v) for k, v in rows}


@pytest.mark.slow
def test_a_batch_of_1000_subscribers_goes_out_on_one_connection(loaded) -> None:
    emails = subscribe_many(loaded, 1000)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        outcome = send(loaded, port)
        assert outcome.sent == outcome.composed == 1002 and not outcome.failed
        assert send(loaded, port).sent == 0
    assert len(handler.messages) == 1002
    assert len(set(handler.peers)) == 1  # one connection for the whole batch
    assert set(emails) <= {str(m["To"]) for m in handler.messages}
    ids = [str(m["Message-ID"]) for m in handler.messages]
    assert len(set(ids)) == len(ids)
    assert statuses(loaded) == {"sent": 1002}


def test_a_server_that_fails_mid_batch_gets_the_rest_next_run(loaded) -> None:
    subscribe_many(loaded, 10)
    failing = CollectingHandler(accept_limit=4)
    with smtp_server(failing) as port:
        first = send(loaded, port)
    assert first.composed == 12 and first.sent == 4 and len(first.failed) == 8
    assert failing.dropped == 2  # the mailer reconnects once, then gives up for this run
    assert statuses(loaded) == {"sent": 4, "retry": 8}
    healthy = CollectingHandler()
    with smtp_server(healthy) as port:
        second = send(loaded, port)
    assert second.retried == 8 and second.composed == 0 and second.sent == 8
    got_first = {str(m["Message-ID"]) for m in failing.messages}
    got_second = {str(m["Message-ID"]) for m in healthy.messages}
    assert not got_first & got_second
    recorded = {r[0] for r in ops_rows(ops_of(loaded), "SELECT message_id FROM deliveries")}
    assert got_first | got_second == recorded


def test_a_temporary_refusal_for_one_recipient_is_retried(loaded) -> None:
    handler = CollectingHandler(defer={"remote-cra@example.com"})
    with smtp_server(handler) as port:
        assert send(loaded, port).sent == 1
    assert statuses(loaded) == {"sent": 1, "retry": 1}
    errors = {row[1]: (row[-2], row[-1]) for row in subscription_overview(ops_of(loaded))}
    assert errors["remote-cra@example.com"][1] and "451" in errors["remote-cra@example.com"][1]
    handler.defer.clear()
    with smtp_server(handler) as port:
        again = send(loaded, port)
    assert again.retried == 1 and again.sent == 1
    assert statuses(loaded) == {"sent": 2}


def robot_only(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.password == b"s3cret-pw", handled=False)


AUTH_REQUIRED = {"authenticator": robot_only, "auth_required": True, "auth_require_tls": False}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("password", "reply"), [(None, "530"), ("wrong-pw", "535")])
def test_a_server_refusing_the_session_keeps_every_digest_for_the_next_run(
    loaded, password: str | None, reply: str
) -> None:
    subscribe_many(loaded, 3)
    refusing = CollectingHandler()
    with smtp_server(refusing, **AUTH_REQUIRED) as port:
        smtp = SmtpMailer("127.0.0.1", port, "robot" if password else None, password, "none", 5)
        down = send_digests(loaded, "daily", Settings(), load_benchmarks(), smtp, "smtp")
    assert down.composed == 5 and down.sent == 0 and len(down.failed) == 5
    assert down.stopped and reply in down.stopped
    assert statuses(loaded) == {"retry": 5}
    errors = [r[0] for r in ops_rows(ops_of(loaded), "SELECT error FROM deliveries")]
    assert all(reply in e for e in errors)
    assert "wrong-pw" not in str(down) + str(errors)
    healthy = CollectingHandler()
    with smtp_server(healthy) as port:
        up = send(loaded, port)
        assert up.retried == 5 and up.sent == 5 and up.stopped is None
        assert send(loaded, port).sent == 0
    assert statuses(loaded) == {"sent": 5} and len(healthy.messages) == 5


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_summary_says_in_one_line_why_the_server_stopped_the_batch(loaded) -> None:
    with smtp_server(CollectingHandler(), **AUTH_REQUIRED) as port:
        down = send(loaded, port)
    with console.capture() as captured:
        print_digest_summary(down)
    [line] = [line for line in captured.get().splitlines() if "stopped" in line]
    assert "530 5.7.0 Authentication required" in line and "next run" in line
    odd = replace(down, stopped="554 [relay] denied [/x]", failed=["a@b.org: 554 [/x]"])
    with console.capture() as captured:
        print_digest_summary(odd)  # server text is shown as it is, never read as markup
    assert "stopped: 554 [relay] denied [/x]" in captured.get()
    assert "a@b.org: 554 [/x]" in captured.get()


def test_a_reader_gets_in_while_a_slow_server_receives_the_batch(loaded, tmp_path) -> None:
    """The flow's send holds no warehouse lock during SMTP; the store answers readers too."""
    from flows.digest import send_task

    subscribe_many(loaded, 4)
    loaded.close()
    db = tmp_path / "w.duckdb"
    slow = CollectingHandler(delay=1.0)
    with smtp_server(slow) as port:
        settings = Settings(db_path=db, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
        summaries: list[DigestOutcome] = []
        sender = threading.Thread(
            target=lambda: summaries.append(send_task.fn("daily", settings, "slow-run"))
        )
        sender.start()
        assert slow.receiving.wait(timeout=60)
        reader = read_deliveries(db)
        in_flight = len(slow.messages)
        sender.join(timeout=60)
    assert reader.returncode == 0, reader.stderr
    assert int(reader.stdout) == 6 and in_flight < 6  # read while the batch was going out
    assert summaries and summaries[0].sent == 6 and summaries[0].stopped is None
    assert ops_rows(ops_of(db), "SELECT status, count(*) FROM deliveries GROUP BY 1") == [
        ("sent", 6)
    ]
    con = connect_reader(db)
    assert con.execute("SELECT status FROM runs WHERE run_id = 'slow-run'").fetchall() == [("ok",)]
    con.close()


READ_DELIVERIES = (
    "import sys; from pathlib import Path; from warehouse.db import connect_reader;"
    "from tests.helpers import ops_of, ops_rows;"
    "con = connect_reader(Path(sys.argv[1]), wait_seconds=0.5);"
    "con.execute('SELECT count(*) FROM postings').fetchone(); con.close();"
    "print(ops_rows(ops_of(Path(sys.argv[1])), 'SELECT count(*) FROM deliveries')[0][0])"
)
REPO = Path(__file__).resolve().parents[1]


def read_deliveries(db: Path) -> subprocess.CompletedProcess[str]:
    """From another process: read the warehouse (giving up after half a second of lock),
    then count the deliveries in the operational store."""
    command = [sys.executable, "-c", READ_DELIVERIES, str(db)]
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


class Crash(BaseException):
    """The process dies (kill -9, power cut) at a chosen point."""


@dataclass
class CrashingLog:
    """Passes bookkeeping on, but 'dies' after the transport accepted message number `at`
    (before that is recorded), or, with `before`, just before message number `at` goes."""

    log: Any
    at: int
    before_send: bool = False
    seen: int = 0
    started: int = 0

    def before(self, message_id: str) -> None:
        self.started += 1
        if self.before_send and self.started == self.at:
            raise Crash
        self.log.before(message_id)

    def after(self, result: SendResult) -> None:
        self.seen += 1
        if not self.before_send and self.seen == self.at:
            raise Crash
        self.log.after(result)


@dataclass
class CrashingMailer:
    inner: Any
    at: int
    before: bool = False

    def send(self, messages, log=None):
        return self.inner.send(messages, log=CrashingLog(log, self.at, self.before))


def test_a_crash_between_send_and_record_resends_only_what_is_in_doubt(loaded) -> None:
    subscribe_many(loaded, 4)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        smtp = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
        with pytest.raises(Crash):
            send_digests(
                loaded, "daily", Settings(), load_benchmarks(), CrashingMailer(smtp, 3), "smtp"
            )
        assert len(handler.messages) == 3  # the server accepted three, we recorded two
        assert statuses(loaded) == {"sent": 2, "sending": 1, "pending": 3}
        [(in_doubt,)] = ops_rows(
            ops_of(loaded), "SELECT message_id FROM deliveries WHERE status = 'sending'"
        )
        after = send(loaded, port)
    assert after.retried == 4 and after.composed == 0 and after.sent == 4
    assert statuses(loaded) == {"sent": 6}
    ids = [str(m["Message-ID"]) for m in handler.messages]
    assert len(ids) == 7 and len(set(ids)) == 6
    assert [i for i in set(ids) if ids.count(i) == 2] == [in_doubt]
    copies = [raw for raw, i in zip(handler.raw, ids, strict=True) if i == in_doubt]
    assert copies[0] == copies[1]  # byte for byte the same message, same Message-ID


def received(handler: CollectingHandler) -> list[str]:
    return [str(m["Message-ID"]) for m in handler.messages]


@pytest.mark.parametrize("in_doubt", [True, False], ids=["before-its-record", "after-its-record"])
def test_a_crash_after_7_of_20_messages_resends_at_most_one(
    loaded, tmp_path, in_doubt: bool
) -> None:
    """Each acceptance is committed before the next message goes: only one is in doubt."""
    subscribe_many(loaded, 18)
    loaded.close()
    db = tmp_path / "w.duckdb"
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        smtp = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
        crashing = CrashingMailer(smtp, 7) if in_doubt else CrashingMailer(smtp, 8, before=True)
        with pytest.raises(Crash):
            send_digests(db, "daily", Settings(), load_benchmarks(), crashing, "smtp")
        first = received(handler)
        assert len(first) == 7
        expected = {"sent": 6, "sending": 1, "pending": 13} if in_doubt else {
            "sent": 7, "pending": 13}  # fmt: skip
        assert statuses(db) == expected
        waiting = [r[0] for r in ops_rows(ops_of(db), "SELECT message_id FROM deliveries")]
        smtp = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
        after = send_digests(db, "daily", Settings(), load_benchmarks(), smtp, "smtp")
    again = received(handler)[7:]
    resent = [m for m in again if m in first]
    assert resent == ([first[-1]] if in_doubt else [])  # at most the one in doubt
    assert sorted(m for m in again if m not in first) == sorted(set(waiting) - set(first))
    assert after.retried == 13 + len(resent)
    assert after.sent == 13 + len(resent) and after.composed == 0
    assert statuses(db) == {"sent": 20}


KILLED_SENDER = (
    "import sys; from pathlib import Path;"
    "from core.benchmarks import load_benchmarks; from core.settings import Settings;"
    "from digests.mailer import SmtpMailer; import pipeline.digest as digest;"
    "smtp = SmtpMailer(host='127.0.0.1', port=int(sys.argv[2]), security='none', timeout=5);"
    "digest.send_digests(Path(sys.argv[1]), 'daily', Settings(), load_benchmarks(), smtp, 'smtp')"
)


@dataclass
class KillingHandler(CollectingHandler):
    """Accepts message number `at`, then kills the sending process before it hears `250`."""

    at: int = 7
    victim: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.at:
            os.kill(self.victim, signal.SIGKILL)
        return reply


@pytest.mark.slow
def test_a_sender_killed_mid_batch_leaves_one_message_in_doubt(loaded, tmp_path) -> None:
    """SIGKILL while the server accepts message 7: six are recorded sent, one `sending`, and
    the killed run's lease does not keep the next run waiting."""
    subscribe_many(loaded, 18)
    loaded.close()
    db = tmp_path / "w.duckdb"
    handler = KillingHandler()
    with smtp_server(handler) as port:
        command = [sys.executable, "-c", KILLED_SENDER, str(db), str(port)]
        sender = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE)
        handler.victim = sender.pid
        assert sender.wait(timeout=120) == -signal.SIGKILL, sender.stderr
        first = received(handler)
        assert statuses(db) == {"sent": 6, "sending": 1, "pending": 13}
        smtp = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
        after = send_digests(db, "daily", Settings(), load_benchmarks(), smtp, "smtp")
    again = received(handler)[7:]
    assert len(first) == 7 and [m for m in again if m in first] == [first[-1]]
    assert after.sent == 14 and after.retried == 14 and len(set(first + again)) == 20
    assert statuses(db) == {"sent": 20}


def test_an_old_send_journal_file_is_read_ignoring_torn_or_malformed_lines(tmp_path) -> None:
    """The journal files older versions left are read once, by the upgrade."""
    path = journal_path(tmp_path / "w.duckdb", "daily")
    path.write_bytes(
        b"sending <a@x>\nsent <a@x>\nsending <b@x>\n"
        b"failed <b@x> permanent 550 5.1.1 mailbox unavailable\nsending <c@x>\n"
        b"bogus line\nsent <c@"  # garbage, then a line torn mid-write
    )
    entries = read_journal(path)
    assert entries.outcomes == [
        Attempt("<a@x>", True, False, None),
        Attempt("<b@x>", False, True, "550 5.1.1 mailbox unavailable"),
    ]
    assert entries.in_doubt == ["<c@x>"]
    assert not read_journal(tmp_path / "missing.journal")


def test_a_refusal_is_recorded_without_the_address(loaded, tmp_path) -> None:
    """A refusal's reason names the recipient; the store keeps the reason without it."""
    loaded.close()
    db = tmp_path / "w.duckdb"
    with smtp_server(CollectingHandler(reject={"remote-cra@example.com"})) as port:
        outcome = send(db, port)
    assert outcome.sent == 1 and "remote-cra@example.com" in outcome.failed[0]
    [(error,)] = ops_rows(ops_of(db), "SELECT error FROM deliveries WHERE status = 'failed'")
    assert error == "<recipient>: 550 5.1.1 mailbox unavailable"


def test_a_second_run_of_the_same_cadence_waits_for_the_first(loaded, tmp_path, monkeypatch):
    loaded.close()
    db = tmp_path / "w.duckdb"
    monkeypatch.setattr("pipeline.digest.SEND_LOCK_WAIT_SECONDS", 0.3)
    smtp = SmtpMailer(host="127.0.0.1", port=free_port(), security="none", timeout=5)
    with leases.acquire(ops_of(db), "digest-daily", 0):
        with pytest.raises(DigestRunBusyError, match="another daily digest run is sending"):
            send_digests(db, "daily", Settings(), load_benchmarks(), smtp, "smtp")
        weekly = send_digests(db, "weekly", Settings(), load_benchmarks(), smtp, "smtp")
        assert weekly.stopped and "cannot connect" in weekly.stopped  # other cadences go on
    assert send_digests(db, "daily", Settings(), load_benchmarks(), smtp, "smtp").stopped


@pytest.mark.usefixtures("prefect_api", "settings_env")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_digest_flow_fails_saying_what_the_server_answered(loaded, tmp_path, monkeypatch):
    from flows.digest import digest

    loaded.close()
    db = tmp_path / "w.duckdb"
    with smtp_server(CollectingHandler(), **AUTH_REQUIRED) as port:
        monkeypatch.setenv("JOBALERTS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("JOBALERTS_SMTP_PORT", str(port))
        monkeypatch.setenv("JOBALERTS_SMTP_SECURITY", "none")
        get_settings.cache_clear()
        with pytest.raises(DeliveryStoppedError, match=r"530 5\.7\.0 Authentication required"):
            digest(cadence="daily", db_path=str(db))
    con = connect_reader(db)
    assert con.execute("SELECT status FROM runs WHERE flow = 'digest-daily'").fetchall() == [
        ("failed",)
    ]
    con.close()
    assert ops_rows(ops_of(db), "SELECT DISTINCT status FROM deliveries") == [("retry",)]


def test_a_crash_with_the_outbox_is_resolved_without_writing_twice(loaded, tmp_path) -> None:
    subscribe_many(loaded, 4)
    outbox = OutboxMailer(tmp_path / "outbox")
    with pytest.raises(Crash):
        send_digests(
            loaded, "daily", Settings(), load_benchmarks(), CrashingMailer(outbox, 3), "outbox"
        )
    files = {p.name: p.stat().st_mtime_ns for p in outbox.folder.iterdir()}
    assert len(files) == 3
    after = send_digests(loaded, "daily", Settings(), load_benchmarks(), outbox, "outbox")
    assert after.resolved == 1 and after.sent == 3
    assert statuses(loaded) == {"sent": 6}
    now = {p.name: p.stat().st_mtime_ns for p in outbox.folder.iterdir()}
    assert len(now) == 6 and all(now[name] == files[name] for name in files)


def test_no_news_mail_only_for_those_who_asked_and_once_a_day(loaded) -> None:
    now = datetime.now(UTC)
    for email, no_news in (("quiet@example.org", False), ("tell-me@example.org", True)):
        entry = {"email": email, "levels": ["vp"], "countries": ["JP"], "no_news": no_news}
        save_subscription(ops_of(loaded), subscription_from(entry), now)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        first = send(loaded, port)
        assert first.no_news == 1 and first.sent == 3
        assert send(loaded, port).sent == 0
    [mail] = [m for m in handler.messages if m["To"] == "tell-me@example.org"]
    assert mail["Subject"] == "No new Clinical Operations roles today: your market summary"
    assert "No new roles matched" in body(mail, "plain")
    assert not [m for m in handler.messages if m["To"] == "quiet@example.org"]


ROLES = "Clinical Operations roles"


def test_the_next_digest_brings_the_matches_the_first_did_not_show(db, tmp_path) -> None:
    now = datetime.now(UTC)
    order = add_forty(db, now)
    sub_id = save_subscription(ops_of(db), subscription_from({"email": "all@example.org"}), now)
    mailer = OutboxMailer(tmp_path / "outbox")

    def run() -> tuple[int, list[str], list[str]]:
        """Send; the subject and posting of every delivery item so far, oldest digest first."""
        outcome = send_digests(db, "daily", Settings(), load_benchmarks(), mailer, "outbox")
        rows = ops_rows(
            ops_of(db),
            "SELECT d.subject, i.source_id FROM delivery_items i"
            " JOIN deliveries d USING (message_id) WHERE i.subscription_id = :sub"
            " ORDER BY d.created_at, i.source_id",
            {"sub": sub_id},
        )
        return outcome.sent, [r[0] for r in rows], [r[1] for r in rows]

    sent, subjects, items = run()
    assert sent == 1 and items == sorted(order[:25])
    assert subjects == [f"40 new {ROLES}, 8 remote, 10 above the guide's median"] * 25
    sent, subjects, items = run()
    assert sent == 1 and len(items) == 40 and items[25:] == sorted(order[25:])
    assert subjects[25:] == [f"15 new {ROLES}, 3 remote, 1 above the guide's median"] * 15
    assert run()[0] == 0


def test_an_unsubscribed_address_gets_no_retry(loaded) -> None:
    down = send(loaded, free_port())
    assert down.sent == 0 and statuses(loaded) == {"retry": 2}
    assert deactivate(ops_of(loaded), "remote-cra@example.com") == 1
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        up = send(loaded, port)
    assert up.cancelled == 1 and up.sent == 1
    assert [m["To"] for m in handler.messages] == ["hub-ctm@example.com"]
    assert statuses(loaded) == {"sent": 1, "cancelled": 1}


def test_hostile_posting_text_cannot_add_headers_and_is_escaped(loaded) -> None:
    loaded.execute(
        "UPDATE postings SET title = 'Clinical Research Associate\r\nBcc: victim@evil.example"
        " <script>alert(1)</script>', company = 'Evil\nX-Injected: 1'"
        " WHERE title = 'Clinical Research Associate'"
    )
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        assert send(loaded, port).sent == 2
    for message in handler.messages:
        assert message["Bcc"] is None and message["X-Injected"] is None
    [mail] = [m for m in handler.messages if m["To"] == "remote-cra@example.com"]
    html = body(mail, "html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_sender_with_a_line_break_is_refused_before_anything_is_recorded(loaded) -> None:
    settings = Settings(mail_from="alerts@example.org\r\nBcc: victim@evil.example")
    mailer = SmtpMailer(host="127.0.0.1", port=free_port(), security="none", timeout=5)
    with pytest.raises(HeaderInjectionError):
        send_digests(loaded, "daily", settings, load_benchmarks(), mailer, "smtp")
    assert statuses(loaded) == {}


def test_smtp_settings_from_a_prefect_block_value() -> None:
    block = {
        "smtp_server": "smtp.example.org",
        "smtp_port": 465,
        "smtp_type": "SSL",
        "username": "robot",
        "password": "s3cret-pw",
    }
    settings = settings_with_smtp(Settings(smtp_host=None), block)
    mailer, transport = make_mailer(settings)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.security, mailer.username) == (
        "smtp.example.org",
        465,
        "ssl",
        "robot",
    )
    assert mailer.password == "s3cret-pw" and "s3cret-pw" not in repr(settings)
    assert transport == "smtp://smtp.example.org:465"
    assert settings_with_smtp(settings, None) is settings
    with pytest.raises(ValueError, match="unknown SMTP block field"):
        settings_with_smtp(settings, {"hots": "x"})
    outbox, where = make_mailer(Settings(smtp_host=None))
    assert isinstance(outbox, OutboxMailer) and where == str(Settings().outbox_dir)


@pytest.mark.parametrize(
    "base_url",
    ["ftp://alerts.example.org/unsubscribe", "https://alerts.example.org/u\r\nBcc: x@evil.example"],
)
def test_a_bad_unsubscribe_base_url_fails_without_showing_a_token(
    loaded, tmp_path, base_url: str
) -> None:
    settings = Settings(unsubscribe_base_url=base_url)
    outbox = OutboxMailer(tmp_path / "outbox")
    with pytest.raises(ValueError, match="JOBALERTS_UNSUBSCRIBE_BASE_URL must be") as caught:
        send_digests(loaded, "daily", settings, load_benchmarks(), outbox, "outbox")
    assert "token=" not in str(caught.value)
    assert statuses(loaded) == {} and not outbox.folder.exists()


def test_errors_about_a_link_never_show_its_token() -> None:
    from digests.message import check_header, list_unsubscribe

    with pytest.raises(ValueError) as caught:
        list_unsubscribe("ftp://x.example/u?token=SeCrEt-ToKeN&lang=en", None)
    with pytest.raises(HeaderInjectionError) as injected:
        check_header("List-Unsubscribe", "https://x.example/u?token=SeCrEt-ToKeN\r\nBcc: y@z.org")
    for error in (caught.value, injected.value):
        assert "SeCrEt-ToKeN" not in str(error) and "token=[redacted]" in str(error)
