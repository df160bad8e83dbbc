"""The built book works under any sub-path and from file:// (`make browser-check`).

Every reference of every page must stay inside the folder and be relative
(:func:`effdyn.compendium.publish.relocation_problems`); the pages, scripts, styles and images
referenced from the intro, the scorecard and each chapter are then fetched from a loopback server
that mounts the book under ``/effdyn/``, as GitHub Pages serves a project site: none may be
missing. This part needs no browser.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from effdyn.compendium.browser import BookServer, _fetch, book_pages
from effdyn.compendium.publish import relocation_problems, site_references

pytestmark = pytest.mark.browser

HTML = Path(__file__).resolve().parents[2] / "book" / "_build" / "html"


@pytest.fixture(scope="module")
def built() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.fail("no built book in book/_build/html: run `make book` first")
    return HTML


def test_every_reference_is_relative_and_inside_the_site(built: Path):
    report = relocation_problems(built)
    assert report.pages >= 3
    assert report.ok, "\n".join(report.problems)


def test_every_referenced_file_is_served_under_a_sub_path(built: Path):
    pages = [page for page, _ in book_pages(built)]
    assert "intro.html" in pages and "scorecard.html" in pages
    fetched = 0
    with BookServer(built, "/effdyn/") as server:
        for page in pages:
            page_url = server.url(page)
            status, _ = _fetch(page_url)
            assert status == 200, page
            for _, _, value in site_references(built / page):
                if urlparse(value).scheme or value.startswith(("#", "//")):
                    continue
                url = urldefrag(urljoin(page_url, value))[0]
                assert url.startswith(server.base_url), (page, value)
                status, _ = _fetch(url)
                fetched += 1
                assert status == 200, f"{page}: {value} -> HTTP {status}"
        assert not server.missing
    assert fetched > 50
