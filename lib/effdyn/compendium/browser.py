"""The built book opened as a reader opens it: headless Chromium over a loopback HTTP server.

:func:`check_book` serves ``book/_build/html`` on ``127.0.0.1`` (under a sub-path, as a project
site is published), opens the intro, the scorecard and every chapter page in Debian's Chromium
(driven by Selenium through Debian's ``chromedriver``; nothing is downloaded), and reports, per
page, what a reader would notice: JavaScript errors in the console, images that did not load,
MathJax errors or unrendered formulas, internal links and citation targets that do not resolve,
missing boxes (what the chapter reproduces, provenance, claims table), error output, and any
request that left the machine. It saves a full-page screenshot of each page.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
#: Text that every chapter page must show (the boxes and the claims table).
CHAPTER_MARKERS = ("What this chapter reproduces", "Provenance of this run", "Rerun this chapter")
MAX_SCREENSHOT_HEIGHT = 20_000


def find_executable(candidates: tuple[str, ...], name: str) -> str | None:
    """The first existing path of ``candidates``, else ``name`` on the ``PATH``, else ``None``."""
    for path in candidates:
        if Path(path).is_file():
            return path
    return shutil.which(name)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files and keeps a list of the paths that were not found."""

    missing: list[str]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base's signature
        pass

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            self.missing.append(self.path)
        super().send_error(code, message, explain)


class BookServer:
    """A loopback HTTP server for a built book, mounted under ``prefix`` (e.g. ``/effdyn/``).

    Use as a context manager; :attr:`missing` lists every path a request did not find.
    """

    def __init__(self, html_dir: Path, prefix: str = "/effdyn/"):
        self.html_dir = Path(html_dir).resolve()
        self.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
        self.missing: list[str] = []
        self._mount = self.html_dir
        self._tmp: Path | None = None

    def __enter__(self) -> BookServer:
        import tempfile

        if self.prefix != "/":  # serve a folder in which the book sits at the sub-path
            self._tmp = Path(tempfile.mkdtemp(prefix="effdyn-site-"))
            mount = self._tmp.joinpath(*self.prefix.strip("/").split("/"))
            mount.parent.mkdir(parents=True, exist_ok=True)
            mount.symlink_to(self.html_dir, target_is_directory=True)
            self._mount = self._tmp
        handler = type("Handler", (_QuietHandler,), {"missing": self.missing})
        factory = functools.partial(handler, directory=str(self._mount))
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def url(self, page: str) -> str:
        return self.base_url + page.lstrip("/")


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@dataclass
class PageReport:
    """What the browser found on one page."""

    page: str
    problems: list[str] = field(default_factory=list)
    images: int = 0
    links: int = 0
    claims_rows: int = 0
    formulas: int = 0
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def chromium_driver(window: tuple[int, int] = (1280, 1000)):
    """A headless Chromium driven by Debian's ``chromedriver`` (no download, no sandbox).

    Raises
    ------
    RuntimeError
        If Chromium or chromedriver is not installed (``apt-get install chromium
        chromium-driver``).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = find_executable(CHROMIUM_CANDIDATES, "chromium")
    driver_path = find_executable(CHROMEDRIVER_CANDIDATES, "chromedriver")
    if not binary or not driver_path:
        raise RuntimeError(
            "the browser check needs Chromium and chromedriver: "
            "apt-get install chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={window[0]},{window[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver_path), options=options)


_WAIT_FOR_MATH = """
const done = arguments[arguments.length - 1];
const formulas = document.querySelectorAll('.math, mjx-container').length;
if (!formulas) { done({formulas: 0, loaded: true, errors: 0, raw: 0}); return; }
const finish = () => done({
  formulas: formulas,
  loaded: !!(window.MathJax && window.MathJax.version),
  errors: document.querySelectorAll('mjx-merror, .MathJax_Error, merror').length,
  raw: Array.from(document.querySelectorAll('span.math, div.math'))
         .filter(e => !e.querySelector('mjx-container')).length,
});
const start = Date.now();
(function wait() {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { mj.startup.promise.then(finish, finish); return; }
  if (Date.now() - start > 15000) { finish(); return; }
  setTimeout(wait, 100);
})();
"""

_IMAGES = """
return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth]);
"""

_LINKS = """
return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
"""


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def _anchor_ids(html: str) -> set[str]:
    parser = _Anchors()
    parser.feed(html)
    return parser.ids


def check_page(
    driver,
    server: BookServer,
    page: str,
    chapter: bool,
    screenshots: Path | None = None,
    cache: dict[str, tuple[int, set[str]]] | None = None,
) -> PageReport:
    """Open one page and report what a reader would notice (see the module docstring)."""
    cache = {} if cache is None else cache
    report = PageReport(page=page)
    url = server.url(page)
    driver.get_log("browser")  # drop what earlier pages left
    driver.get(url)
    driver.set_script_timeout(30)
    math = driver.execute_async_script(_WAIT_FOR_MATH)
    time.sleep(0.2)
    report.formulas = int(math["formulas"])
    if report.formulas:
        if not math["loaded"]:
            report.problems.append(f"MathJax did not load ({report.formulas} formulas)")
        if math["errors"]:
            report.problems.append(f"MathJax produced {math['errors']} error node(s)")
        if math["raw"]:
            report.problems.append(f"{math['raw']} formula(s) left unrendered")
    for entry in driver.get_log("browser"):
        if entry.get("level") == "SEVERE":
            report.problems.append(f"console error: {entry.get('message', '')[:300]}")

    for src, complete, width in driver.execute_script(_IMAGES):
        report.images += 1
        if not complete or not width:
            report.problems.append(f"image did not load: {src}")

    body_text = driver.find_element("tag name", "body").text
    if "404" in driver.title or "Page not found" in body_text[:500]:
        report.problems.append("the page is a 'not found' page")
    errors = driver.find_elements("css selector", "div.output.traceback, div.output.error")
    if errors:
        report.problems.append(f"{len(errors)} error output(s) on the page")
    if chapter:
        for marker in CHAPTER_MARKERS:
            if marker not in body_text:
                report.problems.append(f"missing: {marker!r}")
        tables = driver.find_elements("css selector", "table")
        claims = [t for t in tables if "ours" in t.text and "reference" in t.text]
        if not claims:
            report.problems.append("missing: the claims table")
        report.claims_rows = sum(len(t.find_elements("css selector", "tbody tr")) for t in claims)

    page_ids = _anchor_ids(driver.page_source)
    for href in driver.execute_script(_LINKS):
        parsed = urlparse(href)
        if parsed.scheme in ("http", "https") and not href.startswith(server.base_url):
            continue  # links to the paper or the web are the reader's, not ours to serve
        if parsed.scheme in ("mailto", "javascript", "data"):
            continue
        report.links += 1
        target, fragment = urldefrag(urljoin(url, href))
        if not target.startswith(server.base_url):
            report.problems.append(f"link leaves the book's sub-path: {href}")
            continue
        if target == url:
            ids = page_ids
        else:
            if target not in cache:
                status, html = _fetch(target)
                cache[target] = (status, _anchor_ids(html) if status == 200 else set())
            status, ids = cache[target]
            if status != 200:
                report.problems.append(f"broken link ({status}): {href}")
                continue
        if fragment and unquote(fragment) not in ids:
            report.problems.append(f"link target not found: {href}")

    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(int(height) + 50, MAX_SCREENSHOT_HEIGHT))
        shot = screenshots / (page.replace("/", "__").removesuffix(".html") + ".png")
        driver.save_screenshot(str(shot))
        driver.set_window_size(1280, 1000)
        report.screenshot = shot
    return report


def book_pages(html_dir: Path) -> list[tuple[str, bool]]:
    """The pages to check: the intro, the scorecard and every chapter, ``(page, is_chapter)``."""
    html_dir = Path(html_dir)
    pages = [(name, False) for name in ("intro.html", "scorecard.html")]
    pages += [(f"chapters/{p.name}", True) for p in sorted((html_dir / "chapters").glob("*.html"))]
    return [(page, chapter) for page, chapter in pages if (html_dir / page).is_file()]


def check_book(
    html_dir: Path,
    screenshots: Path | None = None,
    pages: list[tuple[str, bool]] | None = None,
    prefix: str = "/effdyn/",
) -> tuple[list[PageReport], list[str]]:
    """Check every page of a built book in headless Chromium.

    Returns
    -------
    (list of PageReport, list of str)
        One report per page, and the paths that any request (the browser's, for scripts, styles,
        fonts and images, or ours, for links) did not find on the server.
    """
    pages = book_pages(html_dir) if pages is None else pages
    reports = []
    with BookServer(html_dir, prefix) as server:
        driver = chromium_driver()
        try:
            cache: dict[str, tuple[int, set[str]]] = {}
            for page, chapter in pages:
                reports.append(check_page(driver, server, page, chapter, screenshots, cache))
        finally:
            driver.quit()
        missing = list(server.missing)
    return reports, missing
