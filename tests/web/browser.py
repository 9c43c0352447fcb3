"""A real headless Chromium for the web panel's tests: Debian's ``chromium`` driven by
Selenium through Debian's ``chromedriver`` (never a downloaded driver or browser).

One browser per test session (``Browser``); each test opens its pages in fresh browser
contexts (``Tab``: a WebDriver BiDi user context, its own cookies and storage), so an agent
and a supervisor can be signed in side by side. The browser's console log (errors from
scripts, failed loads, refused content-security rules) is collected; a test fails on any
error in it. The machine's network is closed: everything that could call out is off.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = 1280  # CSS pixels wide
PHONE = 390
SCREENSHOTS_ENV = "GITOPS_WEB_SCREENSHOTS"  # where the tests write their screenshots
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # root, in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--password-store=basic",
    f"--window-size={DESKTOP},900",
)


# Every element with text of its own, its colour against the first opaque background up
# its ancestors (WCAG's relative luminance); the browser's own widgets (options) left out.
CONTRAST = """
const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
const lum = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
const backdrop = (el) => {
  for (; el; el = el.parentElement) {
    const c = rgb(getComputedStyle(el).backgroundColor);
    if (c.length < 4 || c[3] > 0) return c;
  }
  return [255, 255, 255];
};
const low = [];
for (const el of document.querySelectorAll("body *:not(option)")) {
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !el.getClientRects().length) continue;
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(backdrop(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const text = el.textContent.trim().slice(0, 40);
  if (ratio < 4.5) low.push(`${el.tagName} ${text}: ${ratio.toFixed(2)}`);
}
return low;
"""


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: apt-get install {package}"
    return None


@dataclass
class Browser:
    driver: webdriver.Chrome
    profile: Path
    log: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def start(cls) -> Browser:
        profile = Path(tempfile.mkdtemp(prefix="gitops-chromium-"))
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.enable_bidi = True  # user contexts: a fresh context per tab
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=CHROMEDRIVER)  # never Selenium Manager's download
        try:
            driver = webdriver.Chrome(options=options, service=service)
        except WebDriverException:
            shutil.rmtree(profile, ignore_errors=True)
            raise
        return cls(driver, profile)

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def tab(self) -> Tab:
        """A tab in a fresh browser context (no cookie, no storage)."""
        context = self.driver.browser.create_user_context()
        handle = self.driver.browsing_context.create(type="tab", user_context=context)
        return Tab(self, context, handle)

    def console(self) -> list[dict[str, Any]]:
        """Every console entry so far (chromedriver hands each one out once)."""
        self.log.extend(self.driver.get_log("browser"))
        return self.log

    def errors(self, since: int = 0) -> list[str]:
        return [
            f"{e['source']}: {e['message']}"
            for e in self.console()[since:]
            if e["level"] == "SEVERE"
        ]


@dataclass
class Tab:
    browser: Browser
    context: str
    handle: str

    @property
    def driver(self) -> webdriver.Chrome:
        """The driver, looking at this tab."""
        driver = self.browser.driver
        if driver.current_window_handle != self.handle:
            driver.switch_to.window(self.handle)
        return driver

    def open(self, url: str) -> Tab:
        self.driver.get(url)
        return self

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        """Click the element; found again if the live region was swapped meanwhile."""
        for attempt in range(3):
            try:
                self.find(css).click()
                return
            except StaleElementReferenceException:
                if attempt == 2:
                    raise

    def text(self, css: str) -> str:
        """The element's visible text, read at once (the live region may be swapped)."""
        found = self.script(
            "const e = document.querySelector(arguments[0]); return e && e.innerText", css
        )
        if found is None:
            raise NoSuchElementException(f"no {css}")
        return str(found).strip()

    def values(self, css: str, attribute: str) -> list[str]:
        """An attribute (or property: ``checked``, ``value``) of every element matching."""
        found = self.script(
            "return [...document.querySelectorAll(arguments[0])].map(e => String(e[arguments[1]]))",
            css,
            attribute,
        )
        return [str(v) for v in found]

    def has(self, css: str) -> bool:
        return bool(self.script("return document.querySelector(arguments[0]) !== null", css))

    def wait(self, check: Callable[[Tab], object], timeout: float = 10.0, what: str = "") -> Any:
        """Until ``check(tab)`` is true (a page changing live, a navigation ending)."""
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
            lambda _d: check(self), what or getattr(check, "__name__", "the condition")
        )

    def wait_text(self, css: str, text: str, timeout: float = 10.0) -> None:
        self.wait(
            lambda t: t.has(css) and text in t.text(css),
            timeout,
            f"{text!r} in {css}",
        )

    def script(self, source: str, *args: Any) -> Any:
        return self.driver.execute_script(source, *args)

    def path(self) -> str:
        return str(self.script("return location.pathname"))

    def address(self) -> str:
        """The path and the query."""
        return str(self.script("return location.pathname + location.search"))

    def focused(self) -> str:
        """The id (else the tag) of the element that has the keyboard focus."""
        return str(self.script("const e = document.activeElement; return e.id || e.tagName"))

    def requests(self) -> list[str]:
        """Every URL the page loaded (the document, its assets, its fetches)."""
        entries = self.script(
            "return [location.href].concat(performance.getEntriesByType('resource')"
            ".map(e => e.name))"
        )
        return [str(e) for e in entries]

    def low_contrast(self) -> list[str]:
        """Visible text whose contrast with its background is under 4.5:1 (WCAG AA)."""
        return [str(e) for e in self.script(CONTRAST)]

    @contextmanager
    def at_width(self, width: int, height: int = 900) -> Iterator[None]:
        """The page laid out at ``width`` CSS pixels (a phone's viewport below 600)."""
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        try:
            yield
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def wider_than(self, width: int) -> int:
        """How many CSS pixels the page overflows a ``width`` wide screen sideways (0: none)."""
        with self.at_width(width):
            return max(0, int(self.script("return document.documentElement.scrollWidth")) - width)

    def screenshot(self, path: Path, width: int) -> Path:
        """The whole page at ``width`` CSS pixels (a phone's viewport below 600)."""
        with self.at_width(width):  # reading the height lays the page out at that width
            height = int(self.script("return Math.ceil(document.body.scrollHeight)"))
        with self.at_width(width, max(height, 640 if width < 600 else 600)):
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        driver = self.browser.driver
        driver.browsing_context.close(self.handle)
        driver.browser.remove_user_context(self.context)
        remaining = driver.window_handles
        if remaining:
            driver.switch_to.window(remaining[0])


class Tabs:
    """A test's tabs, each in a fresh browser context; the test fails on a console error
    (but those it says it expects)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.opened: list[Tab] = []
        self.expected: list[str] = []
        self.mark = len(browser.console())

    def new(self) -> Tab:
        tab = self.browser.tab()
        self.opened.append(tab)
        return tab

    def expect_error(self, text: str) -> None:
        """A console error containing ``text`` is part of the scenario (a refused post)."""
        self.expected.append(text)

    def unexpected_errors(self) -> list[str]:
        errors = self.browser.errors(self.mark)
        return [e for e in errors if not any(text in e for text in self.expected)]

    def close(self) -> None:
        for tab in self.opened:
            tab.close()
