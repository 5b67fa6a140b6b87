"""
What the SVG badges' Content-Security-Policy lets a badge do in a real browser (Debian's
headless chromium through Selenium, as tests/scenarios/test_site_browser.py drives it), on both daemons:
a badge opened on its own or embedded with C{<object>} shows its C{data:} logo and opens its
link in a new tab (which is not sandboxed in turn); a script in an SVG sent with the same
policy does not run.

Nothing here runs script in the badge's document (it is sandboxed): what is drawn is read
from screenshots' pixels, and links are clicked at a place on the screen.
"""

import base64
import io
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple, cast
from urllib.parse import quote

import pytest
from PIL import Image

from pypipins.web.http import SVG_POLICY
from tests.helpers import ROOT, free_port, wait_for_port
from tests.page_standin import UNPOLICED
from tests.scenarios.test_site_browser import browser, standin  # noqa: F401 (fixtures)

pytestmark = pytest.mark.system

#: A logo of one's own: a red square, a colour no badge of the test draws otherwise.
RED_LOGO = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14">'
    b'<rect width="14" height="14" fill="#f00"/></svg>').decode("ascii")

#: Red pixels a 14-pixel logo drawn leaves in a screenshot, at least (edges blend).
LOGO_PIXELS = 100

#: Seconds the browser has to draw a badge, or to open a tab.
WAIT = 20

#: Where the link leads: a page that runs a script, as most sites do, to tell that the new
#: tab is not sandboxed like the badge.
LANDING = '<!doctype html><title>waiting</title><script>document.title = "landed";</script>'

#: An SVG that turns itself red if its script runs.
SCRIPTED = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
            '<rect id="r" width="40" height="20" fill="#00f"/>'
            '<script>document.getElementById("r").setAttribute("fill", "#f00")</script></svg>')


@pytest.fixture
def pages(tmp_path: Path) -> Iterator[Tuple[str, Path]]:
    """
    tests/page_standin.py serving a folder of pages: its address and the folder.
    """
    folder = tmp_path / "pages"
    folder.mkdir()
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.page_standin", str(port), str(folder)],
                               cwd=ROOT)
    wait_for_port(port, process=process)
    yield f"http://127.0.0.1:{port}", folder
    process.terminate()
    process.wait()


def red_pixels(driver) -> int:
    shot = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    # an RGB image's colours are triples
    colours = cast(List[Tuple[int, Tuple[int, int, int]]], shot.getcolors(shot.width * shot.height) or [])
    return sum(count for count, (r, g, b) in colours if r > 200 and g < 60 and b < 60)


def click_at(driver, x: int, y: int) -> None:
    """
    A click where a user would click, without running anything in the page.
    """
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(x, y).click()
    actions.perform()


def opens_a_tab_on_click(driver, landing: str) -> None:
    """
    A click on the badge opens C{landing} in a new tab, where scripts run; back to the badge.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    badge = driver.current_window_handle
    click_at(driver, 12, 10)
    WebDriverWait(driver, WAIT).until(lambda d: len(d.window_handles) == 2)
    [tab] = [handle for handle in driver.window_handles if handle != badge]
    driver.switch_to.window(tab)
    WebDriverWait(driver, WAIT).until(lambda d: d.current_url == landing)
    # the landing page's script ran: the new tab was not sandboxed as the badge is
    WebDriverWait(driver, WAIT).until(lambda d: d.title == "landed")
    driver.close()
    driver.switch_to.window(badge)


@pytest.mark.slow
@pytest.mark.parametrize("plugin", ["shields", "pypipins"])
def test_a_badge_shows_its_logo_and_opens_its_link(browser, standin, pages, start_daemon, redis,  # noqa: F811
                                                   plugin):
    from selenium.webdriver.support.ui import WebDriverWait

    base, folder = pages
    (folder / "landing.html").write_text(LANDING)
    landing = f"{base}/landing.html"
    if plugin == "shields":
        daemon = start_daemon(plugin="shields")
        path = "/badge/a-b-blue.svg"
    else:
        daemon = start_daemon("--redis", redis.url, "--pypi-url", standin + "/pypi",
                              "--stats-url", standin + "/stats")
        path = "/pypi/v/klein.svg"
    badge = daemon.url(f"{path}?logo={quote(RED_LOGO, safe='')}&link={quote(landing, safe='')}")

    # on its own
    browser.get(badge)
    WebDriverWait(browser, WAIT).until(lambda d: red_pixels(d) >= LOGO_PIXELS)
    opens_a_tab_on_click(browser, landing)

    # in someone's page, with <object>
    (folder / "embed.html").write_text(
        '<!doctype html><body style="margin:0">'
        f'<object data="{badge}" type="image/svg+xml"></object>')
    browser.get(f"{base}/embed.html")
    WebDriverWait(browser, WAIT).until(lambda d: red_pixels(d) >= LOGO_PIXELS)
    opens_a_tab_on_click(browser, landing)

    refused = [entry["message"] for entry in browser.get_log("browser")
               if "Content Security Policy" in entry["message"] or "sandboxed" in entry["message"]]
    assert refused == []
    assert "Traceback" not in daemon.stop()


def test_a_script_in_an_svg_sent_with_the_policy_does_not_run(browser, pages):  # noqa: F811
    base, folder = pages
    (folder / "scripted.svg").write_text(SCRIPTED)
    (folder / f"{UNPOLICED}scripted.svg").write_text(SCRIPTED)
    # without the policy, the script runs: the test can see it
    browser.get(f"{base}/{UNPOLICED}scripted.svg")
    assert red_pixels(browser) >= 400
    # with it, on its own and in <object>: it does not
    browser.get(f"{base}/scripted.svg")
    assert red_pixels(browser) == 0
    (folder / "embed.html").write_text(
        f'<!doctype html><body style="margin:0"><object data="{base}/scripted.svg" type="image/svg+xml"></object>')
    browser.get(f"{base}/embed.html")
    assert red_pixels(browser) == 0
    blocked = [entry["message"] for entry in browser.get_log("browser") if "allow-scripts" in entry["message"]]
    assert blocked, "chromium said nothing of the script it did not run"


@pytest.mark.slow
def test_both_daemons_send_the_policy(start_daemon, redis, standin):  # noqa: F811
    """
    The policy the browser was shown is the one each daemon sends, on every SVG route.
    """
    import urllib.request

    shields = start_daemon(plugin="shields")
    pypipins = start_daemon("--redis", redis.url, "--pypi-url", standin + "/pypi", "--stats-url", standin + "/stats")
    urls = [shields.url("/badge/a-b-blue.svg"), shields.url("/badge/a-b-blue"), pypipins.url("/badge/a-b-blue.svg"),
            pypipins.url("/v/klein/badge.svg"), pypipins.url("/pypi/v/klein.svg"), pypipins.url("/pypi/v/klein"),
            pypipins.url("/v/-leading/badge.svg")]
    for url in urls + urls:  # the second time, kept ready
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.headers.get_all("Content-Security-Policy") == [SVG_POLICY], url
