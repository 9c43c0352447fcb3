"""Steps of the web panel's browser tests, on the fake or the real Asterisk: signing in,
clicking what a user clicks, taking the screenshots docs/web-panel.md shows."""

from __future__ import annotations

from pathlib import Path

from tests.web.browser import DESKTOP, PHONE, Tab


def sign_in(tab: Tab, url: str, user: str, pin: str) -> Tab:
    """Through the sign-in page, by keyboard as a user would: number, PIN, Enter."""
    tab.open(f"{url}/signin")
    tab.find("#user").clear()
    tab.find("#user").send_keys(user)
    tab.find("#pin").send_keys(pin + "\n")  # Enter submits the form
    tab.wait(lambda t: t.path() != "/signin" or t.has("#refused"), what="the sign-in answer")
    return tab


def press(tab: Tab, css: str, then: str = "") -> None:
    """Click a button that posts a form; wait for the page it leads to (``then``: a path)."""
    marker = tab.script("return window.gitopsPage = Math.random()")
    tab.click(css)
    tab.wait(lambda t: t.script("return window.gitopsPage") != marker, what=f"{css} to post")
    if then:
        tab.wait(lambda t: t.path() == then, what=f"the page {then}")


def mark_page(tab: Tab) -> object:
    """A marker on the loaded document: still there means the page was not reloaded."""
    return tab.script("return window.gitopsPage = Math.random()")


def same_page(tab: Tab, marker: object) -> bool:
    return bool(tab.script("return window.gitopsPage") == marker)


def shoot(tab: Tab, directory: Path, name: str) -> None:
    """``name``-desktop.png and ``name``-phone.png of the page as it is, whose text must
    stand out from its background (4.5:1) and which must fit a phone's width (no sideways
    scrolling)."""
    assert not tab.low_contrast(), f"{name}: {tab.low_contrast()}"
    assert tab.wider_than(PHONE) == 0, f"{name}: {tab.wider_than(PHONE)} px too wide for a phone"
    tab.screenshot(directory / f"{name}-desktop.png", DESKTOP)
    tab.screenshot(directory / f"{name}-phone.png", PHONE)


def only_same_origin(tab: Tab, url: str) -> None:
    """Every request the page made went to the service itself."""
    foreign = [u for u in tab.requests() if not u.startswith(url + "/")]
    assert not foreign, f"requests outside the service: {foreign}"
