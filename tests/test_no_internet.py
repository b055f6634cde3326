"""Tests run offline: the suite's resolver refuses every host but loopback."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import BLOCKED


def test_looking_up_a_public_host_is_refused_and_recorded() -> None:
    with pytest.raises(OSError, match="must not use the internet"):
        socket.getaddrinfo("boards-api.greenhouse.io", 443)
    assert BLOCKED.pop() == "boards-api.greenhouse.io"  # recorded; popped as this test expects it


def test_loopback_still_resolves() -> None:
    assert socket.getaddrinfo("127.0.0.1", 80)
