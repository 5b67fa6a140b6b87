"""
The home page in a real browser: Debian's headless chromium, driven by Selenium through
Debian's chromedriver, on the daemon (C{twistd -n pypipins}) with the upstream stand-in.
A package's page, every badge shown; a README's row built, with the page's script and
without.

Selenium blocks, so the stand-in runs as a process of its own here rather than in the test's
reactor, which would not turn while the browser is waited for.

The row's tests save screenshots of the builder in their temporary folder, or in the folder
C{PYPIPINS_SCREENSHOTS} names (docs/rowbuilder-*.png were taken so).
"""

import json
import os
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


def make_browser(tmp_path, javascript=True, size="1280,1800"):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("chromium is not installed: apt-get install chromium chromium-driver")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: the tests run as root, where chromium's sandbox cannot start
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", f"--window-size={size}",
                     f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER),
                                      log_output=str(tmp_path / "chromedriver.log"))
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture
def browser(tmp_path, monkeypatch):
    # Selenium Manager must not look for (or download) a browser or a driver
    monkeypatch.setenv("SE_OFFLINE", "true")
    driver = make_browser(tmp_path)
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
    from pypipins.web.pages import DEFAULT_ROW, KIND_DOCS

    daemon = start_daemon("--redis", redis.url, "--pypi-url", standin + "/pypi",
                          "--stats-url", standin + "/stats", "--simple-url", standin + "/simple")
    browser.get(daemon.url("/"))
    assert browser.title == "pypipins"
    box = browser.find_element(By.ID, "package")
    box.send_keys("klein")
    box.submit()
    WebDriverWait(browser, LOAD_TIMEOUT).until(lambda d: "package=klein" in d.current_url)
    drawn = WebDriverWait(browser, LOAD_TIMEOUT).until(all_images_drawn)
    # and the row's
    assert drawn == len(KIND_DOCS) * len(STYLES) + len(DEFAULT_ROW.badges)
    license_badge = browser.find_element(By.CSS_SELECTOR, 'section img[src="/license/klein/badge.svg"]')
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


def screenshots_folder(tmp_path):
    folder = Path(os.environ.get("PYPIPINS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def row_drawn(driver):
    """
    The row's images' sources, once every one of them is drawn; else nothing.
    """
    return driver.execute_script(
        "var images = Array.from(document.querySelectorAll('#row-preview img'));"
        "if (!images.every(function (i) { return i.complete && i.naturalWidth > 0; })) return null;"
        "return images.map(function (i) { return i.getAttribute('src'); });"
    )


class Row:
    """
    The row a page shows, in the browser: the choice its form holds, the row drawn, and the
    snippet shown; and what the server's functions make of that choice.
    """

    def __init__(self, driver, origin, package):
        self.driver = driver
        self.origin = origin
        self.package = package

    def find(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def choice(self):
        return self.driver.execute_script(
            "var form = document.getElementById('builder');"
            "return [Array.from(form.querySelectorAll('input[name=badge]:checked')).map("
            "function (box) { return box.value; }),"
            " form.querySelector('input[name=style]:checked').value, form.elements.logo.value,"
            " form.querySelector('input[name=format]:checked').value];"
        )

    def expected(self):
        """
        The row's sources and snippet as the server makes them for the form's choice.
        """
        from pypipins.web.pages import KIND_DOCS
        from pypipins.web.snippets import badge_path, badge_query, row_snippets

        badges, style, logo, language = self.choice()
        labels = {kind.name: kind.label for kind, _ in KIND_DOCS}
        query = badge_query(style, logo)
        return ([badge_path(name, self.package, query) for name in badges],
                getattr(row_snippets(self.origin, self.package, [(name, labels[name]) for name in badges],
                                     query), language))

    def drawn(self, timeout=LOAD_TIMEOUT):
        """
        Waits until the row drawn and its snippet are what the choice makes, and says them.
        """
        from selenium.webdriver.support.ui import WebDriverWait

        def shown(driver):
            sources = row_drawn(driver)
            snippet = self.find("#row-snippet").get_property("value")
            return (sources, snippet) if (sources, snippet) == self.expected() else None

        return WebDriverWait(self.driver, timeout).until(shown)

    def save(self, folder, name):
        from PIL import Image

        path = folder / f"rowbuilder-{name}.png"
        assert self.find("#row-builder").screenshot(str(path))
        # a few colours are enough for a page: a third of the bytes
        with Image.open(path) as taken:
            small = taken.convert("RGB").quantize(128, dither=Image.Dither.NONE)
        small.save(path, optimize=True)
        print(f"{name}: {path}")


def test_build_a_row_tick_choose_copy(browser, standin, start_daemon, redis, tmp_path):
    """
    The row of a package's page, drawn again as badges are ticked and unticked, the style,
    the logo and the language changed, in the browser as the server would (the same image
    URLs and the same snippet, the address kept for a reload); the snippet copied through the
    clipboard, and without it through the box selected.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    from pypipins.web.row import DEFAULT_BADGES

    daemon = start_daemon("--redis", redis.url, "--pypi-url", standin + "/pypi",
                          "--stats-url", standin + "/stats", "--simple-url", standin + "/simple")
    folder = screenshots_folder(tmp_path)
    browser.set_window_size(1000, 1400)
    browser.get(daemon.url("/?package=klein"))
    row = Row(browser, daemon.url(""), "klein")
    sources, snippet = row.drawn()
    assert sources == [f"/{name}/klein/badge.svg" for name in DEFAULT_BADGES]
    assert snippet.startswith(f"[![pypi]({row.origin}/v/klein/badge.svg)](https://pypi.org/project/klein/)\n")
    # the button that sends the form is the script's to do without; the copy button is shown
    assert not row.find("button[data-nojs]").is_displayed()
    assert row.find("button[data-copy=row-snippet]").is_displayed()
    row.save(folder, "1-default")

    row.find("input[name=badge][value=wheel]").click()
    row.find("input[name=badge][value=types]").click()
    sources, _ = row.drawn()
    assert [source.split("/")[1] for source in sources] == ["v", "py_versions", "license", "d", "types"]
    row.find("input[name=style][value=for-the-badge]").click()
    sources, _ = row.drawn()
    assert all(source.endswith("?style=for-the-badge") for source in sources)
    row.save(folder, "2-ticked-style")

    logo = row.find("#logo")
    logo.send_keys("python")
    sources, snippet = row.drawn()
    assert sources[0] == "/v/klein/badge.svg?style=for-the-badge&logo=python"
    row.save(folder, "3-logo")
    # a title that the query writes with escapes, as Python's urlencode does
    logo.clear()
    logo.send_keys("Let's Encrypt")
    sources, _ = row.drawn()
    assert sources[0] == "/v/klein/badge.svg?style=for-the-badge&logo=Let%27s+Encrypt"
    # what is not an icon's name: the field says so, and the row is drawn without it
    logo.clear()
    logo.send_keys("<b>")
    assert browser.execute_script("return document.getElementById('logo').validity.valid") is False
    WebDriverWait(browser, 10).until(
        lambda d: row_drawn(d) and row_drawn(d)[0] == "/v/klein/badge.svg?style=for-the-badge")
    logo.clear()
    logo.send_keys("python")
    row.drawn()

    row.find("input[name=format][value=rst]").click()
    _, snippet = row.drawn()
    assert snippet.startswith("|v| |py_versions| |license| |d| |types|\n\n.. |v| image:: ")
    assert row.find("#row-snippet").get_attribute("rows") == str(snippet.count("\n") + 2)
    row.save(folder, "4-rst")
    row.find("input[name=format][value=html]").click()
    _, snippet = row.drawn()
    assert snippet.startswith('<a href="https://pypi.org/project/klein/"><img src=')

    # copied through the clipboard
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": row.origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    copy = row.find("button[data-copy=row-snippet]")
    copy.click()
    WebDriverWait(browser, 10).until(lambda d: copy.text == "Copied")
    row.save(folder, "5-copied")
    read = ("var done = arguments[0];"
            "(window.kept || navigator.clipboard).readText().then(done, function (e) { done('failed: ' + e); });")
    assert browser.execute_async_script(read) == snippet
    # without a clipboard: the box is selected, and copied from
    row.find("input[name=format][value=markdown]").click()
    _, snippet = row.drawn()
    browser.execute_script("window.kept = navigator.clipboard;"
                           "Object.defineProperty(navigator, 'clipboard', {value: undefined});")
    WebDriverWait(browser, 10).until(lambda d: copy.text == "Copy")
    copy.click()
    WebDriverWait(browser, 10).until(lambda d: copy.text in ("Copied", "Select and copy"))
    selected = browser.execute_script(
        "var area = document.activeElement;"
        "return [area.id, area.value.substring(area.selectionStart, area.selectionEnd)];")
    assert selected == ["row-snippet", snippet]
    assert copy.text == "Copied" and browser.execute_async_script(read) == snippet

    # the address says the row: the page the server makes of it is the same
    chosen = row.choice()
    assert "row=1" in browser.current_url and "format=markdown" in browser.current_url
    browser.refresh()
    assert row.choice() == chosen
    expected = row.expected()
    assert row.drawn() == expected
    assert expected[0][0] == "/v/klein/badge.svg?style=for-the-badge&logo=python"

    problems = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == [], json.dumps(problems, indent=1)
    assert "Traceback" not in daemon.stop()


def test_build_a_row_without_javascript(standin, start_daemon, redis, tmp_path, monkeypatch):
    """
    Without a script, the builder's form is sent by its button and the page comes back with
    the row chosen: the same row and snippet the script would draw; no copy button.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    monkeypatch.setenv("SE_OFFLINE", "true")
    browser = make_browser(tmp_path, javascript=False, size="1000,1400")
    try:
        daemon = start_daemon("--redis", redis.url, "--pypi-url", standin + "/pypi",
                              "--stats-url", standin + "/stats", "--simple-url", standin + "/simple")
        browser.get(daemon.url("/?package=klein"))
        row = Row(browser, daemon.url(""), "klein")
        WebDriverWait(browser, LOAD_TIMEOUT).until(row_drawn)
        assert not row.find("button[data-copy=row-snippet]").is_displayed()
        draw = row.find("button[data-nojs]")
        assert draw.is_displayed()
        row.find("input[name=badge][value=d]").click()
        row.find("input[name=badge][value=status]").click()
        row.find("input[name=style][value=flat-square]").click()
        row.find("#logo").send_keys("pypi")
        row.find("input[name=format][value=rst]").click()
        draw.click()
        WebDriverWait(browser, LOAD_TIMEOUT).until(lambda d: "row=1" in d.current_url)
        assert row.choice() == [["v", "py_versions", "license", "wheel", "status"], "flat-square", "pypi", "rst"]
        sources, snippet = WebDriverWait(browser, LOAD_TIMEOUT).until(
            lambda d: row_drawn(d) and (row_drawn(d), row.find("#row-snippet").get_property("value")))
        assert (sources, snippet) == row.expected()
        # the text is selectable, to copy by hand
        assert row.find("#row-snippet").get_attribute("readonly") == "true"
        row.save(screenshots_folder(tmp_path), "6-without-javascript")
        assert "Traceback" not in daemon.stop()
    finally:
        browser.quit()
