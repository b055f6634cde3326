"""Addresses are checked by the `email-validator` package, the same way for the CLI and YAML
files: RFC 5321 lengths, no IP-literal domains, no DNS lookups."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.errors import SubscriptionError
from core.validation import validate_email
from subscriptions.input import load_subscriptions

TOO_LONG = [
    "x" * 300 + "@example.org",  # local part beyond 64
    "a@" + "b" * 300 + ".org",  # a domain label beyond 63
    "a@" + ".".join(["abcdefghij"] * 30) + ".org",  # the domain beyond 253
]
REFUSED = [
    *TOO_LONG,
    "a@[127.0.0.1]",
    "a@[IPv6:::1]",
    "a@localhost",
    "not-an-email",
    "a@b@example.org",
    "Name <a@example.org>",
    "a@example.org\r\nBcc: b@example.org",
    '"quoted local"@example.org',
    "a..b@example.org",
    "a@-example.org",
]


@pytest.mark.parametrize("address", REFUSED)
def test_bad_addresses_are_refused_with_a_reason(address: str) -> None:
    with pytest.raises(SubscriptionError, match="invalid email"):
        validate_email(address)


def test_good_addresses_are_kept_lower_cased() -> None:
    assert validate_email("  Ana.Ops+jobs@Example.ORG ") == "ana.ops+jobs@example.org"
    assert validate_email("x" * 64 + "@example.org") == "x" * 64 + "@example.org"
    assert validate_email("user@münchen.de") == "user@münchen.de"


def test_no_dns_lookup_is_made(monkeypatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation looked up DNS")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert validate_email("ops@no-such-domain-anywhere.example") == (
        "ops@no-such-domain-anywhere.example"
    )


@pytest.mark.parametrize("address", ["a@[127.0.0.1]", TOO_LONG[0]])
def test_yaml_files_use_the_same_check(tmp_path: Path, address: str) -> None:
    path = tmp_path / "subs.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "subscriptions": [{"email": address}]}))
    with pytest.raises(SubscriptionError, match="invalid email"):
        load_subscriptions(path)


def test_the_cli_uses_the_same_check(settings_env) -> None:
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["subscribe", "a@[127.0.0.1]"])
    assert result.exit_code == 1
    assert "invalid email" in result.stderr and "bracketed IP" in result.stderr
