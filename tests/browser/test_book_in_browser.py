"""The built book in headless Chromium, as a reader meets it (`make browser-check`).

Run after `make book`. Every page of book/_build/html is opened from a loopback server under a
sub-path (as a project site is published); see effdyn.compendium.browser for what is checked.
Full-page screenshots go to book/_build/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from effdyn.compendium.browser import (
    CHROMEDRIVER_CANDIDATES,
    CHROMIUM_CANDIDATES,
    check_book,
    find_executable,
)
from effdyn.compendium.chapters import chapter_paths

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "book" / "_build" / "html"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


@pytest.fixture(scope="module", autouse=True)
def browser_installed():
    if not (
        find_executable(CHROMIUM_CANDIDATES, "chromium")
        and find_executable(CHROMEDRIVER_CANDIDATES, "chromedriver")
    ):
        pytest.fail("the browser check needs Debian's chromium and chromium-driver (apt-get)")


def _page(body: str, head: str = "") -> str:
    icon = "<link rel='icon' href='data:,'>"  # no favicon request
    return (
        f"<!DOCTYPE html><html><head><title>t</title>{icon}{head}</head><body>{body}</body></html>"
    )


CHAPTER_BODY = (
    "<h1>A chapter</h1><p>What this chapter reproduces</p><p>Rerun this chapter</p>"
    "<p>Provenance of this run</p><table><thead><tr><th>claim</th><th>ours</th>"
    "<th>reference</th></tr></thead><tbody><tr><td>a</td><td>1</td><td>1</td></tr></tbody>"
    "</table><a href='../intro.html#top'>intro</a>"
)


def _site(root: Path, intro: str, chapter: str = CHAPTER_BODY) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "pic.png").write_bytes(PNG)
    (root / "intro.html").write_text(_page(intro))
    (root / "scorecard.html").write_text(_page("<p id='x'>scores</p><a href='#x'>self</a>"))
    (root / "chapters" / "one.html").write_text(_page(chapter))
    return root


def test_a_sound_fixture_book_passes(tmp_path):
    site = _site(
        tmp_path / "ok",
        "<p id='top'>hello</p><img src='pic.png'>"
        "<a href='chapters/one.html'>one</a><a href='https://example.org/'>web</a>",
    )
    reports, missing = check_book(site)
    assert [r.problems for r in reports] == [[], [], []] and not missing
    assert reports[0].images == 1 and reports[2].claims_rows == 1


def test_a_broken_fixture_book_fails(tmp_path):
    site = _site(
        tmp_path / "broken",
        "<img src='missing.png'><a href='nope.html'>bad</a><a href='#nowhere'>no anchor</a>"
        "<a href='/elsewhere.html'>absolute</a><script>notAFunction();</script>",
        chapter="<h1>A chapter without its boxes</h1><p>no table</p>",
    )
    reports, missing = check_book(site)
    intro, _, chapter = reports
    problems = "\n".join(intro.problems)
    assert "image did not load: missing.png" in problems
    assert "broken link (404): nope.html" in problems
    assert "link target not found: #nowhere" in problems
    assert "link leaves the book's sub-path: /elsewhere.html" in problems
    assert "notAFunction" in problems  # the JavaScript error in the console
    assert "missing: 'What this chapter reproduces'" in chapter.problems
    assert "missing: the claims table" in chapter.problems
    assert "/effdyn/missing.png" in missing


def test_the_built_book_reads_well(capsys):
    if not (HTML / "intro.html").is_file():
        pytest.fail(f"no built book in {HTML}: run `make book` first")
    reports, missing = check_book(HTML, ROOT / "book" / "_build" / "screenshots")
    chapters = [r for r in reports if r.page.startswith("chapters/")]
    with capsys.disabled():
        print(
            f"\nbrowser check: {len(reports)} pages ({len(chapters)} chapters), "
            f"{sum(r.images for r in reports)} images, {sum(r.links for r in reports)} links, "
            f"{sum(r.formulas for r in reports)} formulas, "
            f"{sum(r.claims_rows for r in reports)} claims rows; screenshots in "
            "book/_build/screenshots/"
        )
    assert len(chapters) == len(chapter_paths(ROOT)), "a chapter page is missing from the book"
    problems = {r.page: r.problems for r in reports if r.problems}
    assert not problems, "\n".join(f"{p}: {'; '.join(v)}" for p, v in problems.items())
    assert not missing, f"requests the server could not answer: {missing}"
