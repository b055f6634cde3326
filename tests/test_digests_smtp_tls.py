"""SMTP over STARTTLS and implicit TLS, with AUTH, against a real aiosmtpd server.

The certificate is self-signed and made for each test session; the client verifies it through
a CA file (`JOBALERTS_SMTP_CA_FILE`), never by turning verification off.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.settings import Settings
from digests.mailer import SendResult, SmtpMailer, build_message
from digests.render import RenderedDigest
from pipeline.digest import make_mailer
from tests.smtp_server import CollectingHandler, smtp_server

PASSWORD = "s3cret-pw"  # a test credential
RENDERED = RenderedDigest("2 new roles", "<p>Hello</p>", "Hello\n")


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test relay 127.0.0.1")])
    now = datetime.now(UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file)


def batch(count: int = 2) -> list[Any]:
    when = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)
    return [
        build_message(
            RENDERED,
            "alerts@clinops.example",
            f"r{n}@example.org",
            f"<tls-{n}@clinops.example>",
            "https://alerts.example/unsubscribe?token=t",
            date=when,
        )
        for n in range(count)
    ]


def client(port: int, security: str, ca_file: Path | None, **kw: Any) -> SmtpMailer:
    return SmtpMailer(
        "127.0.0.1",
        port,
        security=security,  # type: ignore[arg-type]
        ca_file=ca_file,
        timeout=5,
        **kw,
    )


def assert_kept_for_next_run(results: list[SendResult], *words: str) -> None:
    assert [(r.ok, r.permanent, r.server_wide) for r in results] == [(False, False, True)] * len(
        results
    )
    for result in results:
        assert result.error and all(w in result.error for w in words), result.error


def login(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> AuthResult:
    return AuthResult(
        success=(auth.login, auth.password) == (b"robot", PASSWORD.encode()), handled=False
    )


# ---------------------------------------------------------------- STARTTLS


def test_starttls_delivers_to_a_verified_server(certificate: Certificate) -> None:
    handler = CollectingHandler()
    options = {"tls_context": certificate.server_context(), "require_starttls": True}
    with smtp_server(handler, **options) as port:
        results = client(port, "starttls", certificate.cert).send(batch(3))
    assert [r.ok for r in results] == [True] * 3
    assert handler.secure == [True] * 3 and len(set(handler.peers)) == 1


def test_starttls_refuses_a_certificate_it_cannot_verify(certificate: Certificate) -> None:
    handler = CollectingHandler()
    options = {"tls_context": certificate.server_context(), "require_starttls": True}
    with smtp_server(handler, **options) as port:
        results = client(port, "starttls", None).send(batch(3))
    assert_kept_for_next_run(results, "STARTTLS", "CERTIFICATE_VERIFY_FAILED")
    assert handler.messages == []


def test_a_server_that_requires_starttls_refuses_plain_mail(certificate: Certificate) -> None:
    handler = CollectingHandler()
    options = {"tls_context": certificate.server_context(), "require_starttls": True}
    with smtp_server(handler, **options) as port:
        results = client(port, "none", None).send(batch(3))
    assert_kept_for_next_run(results, "530", "STARTTLS")
    assert handler.messages == []


# ---------------------------------------------------------------- implicit TLS


def test_implicit_tls_delivers_to_a_verified_server(certificate: Certificate) -> None:
    handler = CollectingHandler()
    with smtp_server(handler, ssl_context=certificate.server_context()) as port:
        results = client(port, "ssl", certificate.cert).send(batch(2))
    assert [r.ok for r in results] == [True, True]
    assert handler.secure == [True, True]


def test_implicit_tls_refuses_a_certificate_it_cannot_verify(certificate: Certificate) -> None:
    handler = CollectingHandler()
    with smtp_server(handler, ssl_context=certificate.server_context()) as port:
        results = client(port, "ssl", None).send(batch(2))
    assert_kept_for_next_run(results, "cannot connect", "CERTIFICATE_VERIFY_FAILED")
    assert handler.messages == []


def test_a_missing_ca_file_is_reported_not_ignored(tmp_path: Path) -> None:
    results = client(1, "ssl", tmp_path / "nowhere.pem").send(batch(1))
    assert_kept_for_next_run(results, "nowhere.pem")


# ---------------------------------------------------------------- AUTH


AUTH = {"authenticator": login, "auth_required": True, "auth_require_tls": True}


def test_auth_over_starttls_and_a_wrong_password_never_shown(
    certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    handler = CollectingHandler()
    options = {"tls_context": certificate.server_context(), **AUTH}
    with caplog.at_level(logging.DEBUG), smtp_server(handler, **options) as port:
        good = client(port, "starttls", certificate.cert, username="robot", password=PASSWORD)
        sent = good.send(batch(2))
        bad = client(port, "starttls", certificate.cert, username="robot", password="wrong-pw")
        refused = bad.send(batch(2))
    assert [r.ok for r in sent] == [True, True] and handler.secure == [True, True]
    assert_kept_for_next_run(refused, "AUTH", "535")
    shown = caplog.text + repr(good) + repr(bad) + repr(sent) + repr(refused)
    assert PASSWORD not in shown and "wrong-pw" not in shown


def test_auth_is_never_attempted_in_the_clear(
    certificate: Certificate, caplog: pytest.LogCaptureFixture
) -> None:
    handler = CollectingHandler()
    options = {"tls_context": certificate.server_context(), **AUTH}
    with caplog.at_level(logging.DEBUG), smtp_server(handler, **options) as port:
        plain = client(port, "none", None, username="robot", password=PASSWORD)
        results = plain.send(batch(2))
    assert_kept_for_next_run(results, "AUTH")
    assert PASSWORD not in caplog.text + repr(results)
    assert handler.messages == []


# ---------------------------------------------------------------- settings


def test_the_ca_file_setting_reaches_the_mailer(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBALERTS_SMTP_CA_FILE", str(certificate.cert))
    assert Settings().smtp_ca_file == certificate.cert  # one of the settings, read like the rest
    handler = CollectingHandler()
    with smtp_server(handler, ssl_context=certificate.server_context()) as port:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="ssl")
        mailer, _ = make_mailer(settings)
        assert isinstance(mailer, SmtpMailer) and mailer.ca_file == certificate.cert
        assert [r.ok for r in mailer.send(batch(1))] == [True]
    monkeypatch.delenv("JOBALERTS_SMTP_CA_FILE")
    mailer, _ = make_mailer(Settings(smtp_host="127.0.0.1"))
    assert isinstance(mailer, SmtpMailer) and mailer.ca_file is None
    mailer, _ = make_mailer(Settings(smtp_host="127.0.0.1", smtp_ca_file=certificate.cert))
    assert isinstance(mailer, SmtpMailer) and mailer.ca_file == certificate.cert
