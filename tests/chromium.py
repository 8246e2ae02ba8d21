"""Open pages in a real headless Chromium (Debian's `chromium`) and read back what it parsed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]


def browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Debian's chromium is not installed (make system installs it)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return found


def _run(page: Path, *arguments: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [browser(), *FLAGS, f"--user-data-dir={profile}", *arguments, page.resolve().as_uri()]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def dump_dom(page: Path) -> str:
    """The DOM Chromium built from the page, serialised."""
    return _run(page, "--dump-dom", "--virtual-time-budget=2000").stdout


def screenshot(page: Path, png: Path, size: str = "1000,1600") -> Path:
    _run(page, f"--screenshot={png}", f"--window-size={size}")
    return png


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.parts = tag, attrs, []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


class _Collector(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[Element] = []
        self.found: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        element = Element(tag, {key: value or "" for key, value in attrs})
        self.found.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.found.append(Element(tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.parts.append(data)


def elements(dom: str) -> list[Element]:
    collector = _Collector()
    collector.feed(dom)
    return collector.found


def having(dom: str, attribute: str) -> list[Element]:
    return [element for element in elements(dom) if attribute in element.attrs]


def by_id(dom: str, identifier: str) -> Element:
    return next(element for element in elements(dom) if element.attrs.get("id") == identifier)


def title(dom: str) -> str:
    return next(element.text for element in elements(dom) if element.tag == "title")


def not_blank(png: Path) -> bool:
    import matplotlib.image

    pixels = matplotlib.image.imread(png)
    return pixels.shape[0] > 100 and float(pixels.std()) > 0.01
