"""The unsubscribe link opened in a real headless Chromium (Selenium + chromedriver): the page
names the address, the button unsubscribes, the warehouse agrees, and a screenshot is taken.
Skipped when /usr/bin/chromium or /usr/bin/chromedriver is absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.models import Subscription
from digests.unsubscribe import unsubscribe_url
from opstore.subscriptions import get_subscription, save_subscription
from opstore.tokens import issue_token
from tests.headless import CHROMEDRIVER, CHROMIUM, OFFLINE_FLAGS, private_home, profile_flag
from tests.helpers import ops_of
from tests.web_site import desk_app, served_in_thread

EMAIL = "site.lead@example.org"
KEEP = os.environ.get("JOBALERTS_SCREENSHOT_DIR")  # to look at the screenshots afterwards

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="headless browser not installed (needs /usr/bin/chromium and /usr/bin/chromedriver)",
)


@pytest.fixture
def served(settings_env: Path) -> Iterator[tuple[str, Path, int]]:
    """A warehouse with one weekly subscription, and the server on a free loopback port."""
    db = settings_env / "warehouse.duckdb"
    sub = Subscription(email=EMAIL, cadence="weekly", levels=("senior",), countries=("US",))
    sub_id = save_subscription(ops_of(db), sub, datetime.now(UTC))
    with served_in_thread(desk_app(db)) as base:
        yield base, db, sub_id


def browser(home: Path):  # -> selenium.webdriver.Chrome
    """Headless Chromium that writes only under `home` and resolves no outside host."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    env = private_home(home)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", *OFFLINE_FLAGS, profile_flag(home), "--window-size=900,700"):
        options.add_argument(argument)
    service = Service(str(CHROMEDRIVER), env=env, log_output=str(home / "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)


def is_png(path: Path) -> bool:
    data = path.read_bytes() if path.exists() else b""
    return len(data) > 1_000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def is_active(db: Path, sub_id: int) -> bool:
    found = get_subscription(ops_of(db), sub_id, EMAIL)
    assert found is not None
    return found[1]


def test_unsubscribe_in_a_real_browser(served: tuple[str, Path, int], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    base, db, sub_id = served
    token = issue_token(ops_of(db), "unsubscribe", sub_id, datetime.now(UTC))
    link = unsubscribe_url(f"{base}/unsubscribe", token)
    driver = browser(tmp_path / "home")
    try:
        driver.set_page_load_timeout(20)
        driver.get(link)
        text = driver.find_element(By.TAG_NAME, "main").text
        assert "Unsubscribe?" in text
        assert EMAIL in text and "weekly digest" in text
        assert is_active(db, sub_id), "opening the link must not unsubscribe"
        before = tmp_path / "unsubscribe-page.png"
        assert driver.save_screenshot(str(before))

        driver.find_element(By.ID, "unsubscribe").click()
        WebDriverWait(driver, 10).until(
            expected_conditions.text_to_be_present_in_element(
                (By.TAG_NAME, "h1"), "You are unsubscribed"
            )
        )
        text = driver.find_element(By.TAG_NAME, "main").text
        assert EMAIL in text and "no more weekly digest emails" in text
        after = tmp_path / "unsubscribed-page.png"
        assert driver.save_screenshot(str(after))
    finally:
        driver.quit()
    assert not is_active(db, sub_id)
    assert is_png(before) and is_png(after)
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        for shot in (before, after):
            (Path(KEEP) / shot.name).write_bytes(shot.read_bytes())
