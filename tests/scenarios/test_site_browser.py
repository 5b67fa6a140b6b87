"""
The home page in a real browser: Debian's headless chromium, driven by Selenium through
Debian's chromedriver, on the daemon (C{twistd -n pypipins}) with the upstream stand-in.

Selenium blocks, so the stand-in runs as a process of its own here rather than in the test's
reactor, which would not turn while the browser is waited for.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, wait_for_port

pytestmark = [pytest.mark.system, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: Seconds the page has to show every badge: 70 images, the first two needing the stand-in.
LOAD_TIMEOUT = 60


@pytest.fixture
def standin(tmp_path):
    port = free_port()
    log = (tmp_path / "standin.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "tests.standin", str(port)],
                               cwd=ROOT, stdout=log, stderr=log)
    wait_for_port(port, process=process)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait()


@pytest.fixture
def browser(tmp_path, monkeypatch):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium is not installed: apt-get install chromium chromium-driver")
    from selenium import webdriver

    # Selenium Manager must not look for (or download) a browser or a driver
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: the tests run as root, where chromium's sandbox cannot start
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,1800",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER),
                                      log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def all_images_drawn(driver):
    return driver.execute_script(
        "var images = Array.from(document.images);"
        "return images.length > 0"
        " && images.every(function (i) { return i.complete && i.naturalWidth > 0; })"
        " && images.length;"
    )


def test_type_a_name_see_the_badges_copy_a_snippet(browser, standin, start_daemon, redis,
                                                    tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from pypipins.badges import STYLES
    from pypipins.web.pages import KIND_DOCS

    daemon = start_daemon("--redis", redis.url, "--pypi-url", standin + "/pypi",
                          "--stats-url", standin + "/stats", "--simple-url", standin + "/simple")
    browser.get(daemon.url("/"))
    assert browser.title == "pypipins"
    box = browser.find_element(By.ID, "package")
    box.send_keys("klein")
    box.submit()
    WebDriverWait(browser, LOAD_TIMEOUT).until(lambda d: "package=klein" in d.current_url)
    drawn = WebDriverWait(browser, LOAD_TIMEOUT).until(all_images_drawn)
    assert drawn == len(KIND_DOCS) * len(STYLES)
    license_badge = browser.find_element(By.CSS_SELECTOR, 'img[src="/license/klein/badge.svg"]')
    assert license_badge.size["width"] > 50 and license_badge.size["height"] == 20

    origin = daemon.url("")
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    button = browser.find_element(By.CSS_SELECTOR, 'button[data-copy="license-flat-0"]')
    # shown by the page's script: the policy let it run
    assert button.is_displayed()
    button.click()
    WebDriverWait(browser, 10).until(lambda d: button.text == "Copied")
    copied = browser.execute_async_script(
        "var done = arguments[0];"
        "navigator.clipboard.readText().then(done, function (e) { done('failed: ' + e); });"
    )
    assert copied == (f"[![license]({origin}/license/klein/badge.svg)]"
                      "(https://pypi.org/project/klein/)")

    badges = {
        image.get_attribute("alt"): image.get_attribute("naturalWidth")
        for image in browser.find_elements(By.CSS_SELECTOR, "img")
    }
    assert "license badge of klein, for-the-badge" in badges
    # the top of the page: the form, the first badges and their snippets
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot = tmp_path / "home.png"
    assert browser.save_screenshot(str(screenshot))
    print(f"\nscreenshot of /?package=klein: {screenshot}")

    # the dark scheme, as a system set to dark asks for it
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    background = browser.execute_script(
        "return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    assert browser.save_screenshot(str(tmp_path / "home-dark.png"))
    print(f"dark: {tmp_path / 'home-dark.png'}")

    # nothing refused by the page's policy, nothing failed to load
    problems = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == [], json.dumps(problems, indent=1)
    assert "Traceback" not in daemon.stop()
