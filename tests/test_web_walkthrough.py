"""A subscriber's whole journey in real headless Chromium (Selenium + chromedriver), against a
real `jobalerts web` process and a real SMTP server (aiosmtpd):

sign-up → the confirmation email → its link → a change of preferences → the next digest follows
them and carries the manage link → unsubscribe. Screenshots at 390 px and 1280 px wide are kept
in `test-artifacts/web/` (or JOBALERTS_SCREENSHOT_DIR). Skipped without Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.headless import CHROMEDRIVER, CHROMIUM, OFFLINE_FLAGS, private_home, profile_flag
from tests.smtp_server import CollectingHandler, smtp_server
from tests.web_site import link_in, local, running_site, seed_warehouse, site_env

REPO = Path(__file__).resolve().parents[1]
SHOTS = Path(os.environ.get("JOBALERTS_SCREENSHOT_DIR") or REPO / "test-artifacts" / "web")
EMAIL = "ctm.walkthrough@example.org"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="headless browser not installed (needs /usr/bin/chromium and /usr/bin/chromedriver)",
)


def browser(home: Path, width: int):  # -> selenium.webdriver.Chrome
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        *OFFLINE_FLAGS,
        profile_flag(home),
        f"--window-size={width},900",
    ):
        options.add_argument(argument)
    service = Service(
        str(CHROMEDRIVER), env=private_home(home), log_output=str(home / "driver.log")
    )
    return webdriver.Chrome(service=service, options=options)


def shot(driver, name: str, width: int) -> None:
    """A full-page screenshot at this width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(width, 600)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(int(height), 600))
    target = SHOTS / f"{name}-{width}.png"
    driver.save_screenshot(str(target))
    assert target.stat().st_size > 2_000


def wait_for(messages: list[EmailMessage], count: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while len(messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(messages) >= count, f"expected {count} emails, got {len(messages)}"


def submit(driver, button: str, heading: str) -> None:
    """Press a button and wait for the next page, whose first heading contains `heading`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, button).click()
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 30).until(
        expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"), heading)
    )


def tick(driver, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
    if not box.is_selected():
        box.click()


def type_into(driver, field: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, field)
    element.clear()
    element.send_keys(text)


def run_digest(folder: Path, env: dict[str, str], cadence: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "digest", "--cadence", cadence],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.usefixtures("prefect_api")  # its `digest` process reports to the session API
@pytest.mark.parametrize("width", [390, 1280])
def test_a_subscriber_signs_up_confirms_changes_gets_a_digest_and_leaves(
    tmp_path: Path, width: int
) -> None:
    from selenium.webdriver.common.by import By

    folder = seed_warehouse(tmp_path)
    handler = CollectingHandler()
    with smtp_server(handler) as port:
        smtp = {
            "JOBALERTS_SMTP_HOST": "127.0.0.1",
            "JOBALERTS_SMTP_PORT": str(port),
            "JOBALERTS_SMTP_SECURITY": "none",
        }
        with running_site(folder, **smtp) as site:
            driver = browser(tmp_path / "chrome", width)
            try:
                driver.get(site.url("/"))
                assert "Clinical-operations jobs, in your inbox" in driver.page_source
                shot(driver, "1-signup", width)

                # Bad input is answered beside the field.
                type_into(driver, "email", "not an address")
                submit(driver, 'button[value="subscribe"]', "Clinical-operations jobs")
                error = driver.find_element(By.ID, "email-error")
                assert "email" in error.text.lower()
                shot(driver, "2-signup-error", width)

                type_into(driver, "email", EMAIL)
                tick(driver, "levels", "manager")
                tick(driver, "levels", "senior")
                submit(driver, 'button[value="count"]', "Clinical-operations jobs")
                count = driver.find_element(By.ID, "live-count").text
                assert "match" in count, count
                submit(driver, 'button[value="subscribe"]', "Check your inbox")
                shot(driver, "3-check-inbox", width)

                wait_for(handler.messages, 1)
                confirmation = handler.messages[0]
                assert confirmation["To"] == EMAIL
                driver.get(local(link_in(confirmation, "confirm"), site))
                shot(driver, "4-confirm", width)
                submit(driver, "#confirm", "Your alerts are on")
                driver.find_element(By.ID, "manage-link").click()
                shot(driver, "5-manage", width)

                # Change of preferences: weekly, Directors too, US only.
                driver.find_element(
                    By.CSS_SELECTOR, 'input[name="cadence"][value="weekly"]'
                ).click()
                tick(driver, "levels", "director")
                type_into(driver, "countries", "US")
                submit(driver, "#save", "Your alerts")
                assert "Your changes are saved" in driver.page_source
                assert "weekly" in driver.find_element(By.ID, "summary").text
                shot(driver, "6-saved", width)

                run_digest(folder, site_env(folder, **smtp), "weekly")
                wait_for(handler.messages, 2)
                digest = handler.messages[-1]
                assert digest["To"] == EMAIL
                text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                assert "Manage preferences" in text
                manage_from_digest = local(link_in(digest, "manage"), site)
                unsubscribe_from_digest = local(link_in(digest, "unsubscribe"), site)

                driver.get(manage_from_digest)
                assert "weekly" in driver.find_element(By.ID, "summary").text
                driver.get(unsubscribe_from_digest)
                shot(driver, "7-unsubscribe", width)
                submit(driver, "#unsubscribe", "You are unsubscribed")
                shot(driver, "8-unsubscribed", width)
                driver.get(manage_from_digest)
                assert driver.find_element(By.ID, "status").text == "stopped"
            finally:
                driver.quit()
