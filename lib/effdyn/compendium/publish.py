"""Is the built book publishable as a static site under any sub-path (and from ``file://``)?

A project site is served from ``https://ORG.github.io/REPO/``; a reader may also open
``book/_build/html/index.html`` from disk. Both work only if every reference inside the site is
relative. :func:`relocation_problems` reads every HTML page of a built book and reports each
reference that would break when the folder moves: root-absolute paths (``/_static/...``),
``file:`` and loopback URLs, and relative targets that are not in the folder. Scripts, styles,
images and fonts fetched from another host are reported too (the book must read offline);
ordinary links to other sites (the paper, the repository) are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["SiteReport", "relocation_problems", "site_references"]

#: (tag, attribute) pairs that load a resource into the page (must be inside the site).
RESOURCE_ATTRIBUTES = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
}
#: (tag, attribute) pairs that a reader follows (may go to other sites).
LINK_ATTRIBUTES = {("a", "href"), ("area", "href"), ("form", "action")}
#: Folders of a Sphinx build that hold assets (the theme ships Jinja macros as .html there).
ASSET_FOLDERS = ("_static", "_sources", "_images")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in RESOURCE_ATTRIBUTES or (tag, name) in LINK_ATTRIBUTES:
                if tag == "link" and ("rel", "canonical") in attrs:
                    continue  # a canonical URL names the published site on purpose
                self.found.append((tag, name, value.strip()))


def site_references(page: Path) -> list[tuple[str, str, str]]:
    """Every ``(tag, attribute, value)`` reference of one HTML page."""
    parser = _References()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser.found


@dataclass
class SiteReport:
    """What :func:`relocation_problems` found."""

    pages: int = 0
    references: int = 0
    external_links: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(value: str, tag: str, page: Path, html_dir: Path) -> str | None:
    parsed = urlparse(value)
    if parsed.scheme in ("mailto", "tel", "data", "javascript"):
        return None
    if parsed.scheme == "file":
        return f"file: URL {value!r}"
    if parsed.scheme in ("http", "https") or value.startswith("//"):
        host = parsed.hostname or ""
        if host in LOCAL_HOSTS or host.strip("[]") == "::1":
            return f"loopback URL {value!r}"
        if tag not in ("a", "area", "form"):
            return f"{tag} loads from another host: {value!r} (the book must read offline)"
        return None
    if parsed.scheme:
        return f"unknown scheme in {value!r}"
    if value.startswith("/"):
        return f"root-absolute path {value!r} (breaks under a sub-path and from file://)"
    if not parsed.path:  # "#anchor" or "?query" on the same page
        return None
    target = (page.parent / unquote(parsed.path)).resolve()
    root = html_dir.resolve()
    if target != root and root not in target.parents:
        return f"{value!r} leaves the site folder"
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return f"{value!r} is not in the site"
    return None


def relocation_problems(html_dir: Path) -> SiteReport:
    """Check every HTML page under ``html_dir`` for references that break when the site moves.

    Parameters
    ----------
    html_dir : Path
        A built static site, e.g. ``book/_build/html``.

    Returns
    -------
    SiteReport
        Pages and references read, links to other sites, and one line per problem
        (``page: what``).
    """
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").is_file():
        raise ValueError(f"html_dir={str(html_dir)!r} holds no index.html: build the book first")
    report = SiteReport()
    for page in sorted(html_dir.rglob("*.html")):
        rel = page.relative_to(html_dir)
        if rel.parts[0] in ASSET_FOLDERS:  # theme templates and copied sources, not pages
            continue
        report.pages += 1
        for tag, _, value in site_references(page):
            report.references += 1
            if tag in ("a", "area") and urlparse(value).scheme in ("http", "https"):
                report.external_links += 1
            problem = _problem(value, tag, page, html_dir)
            if problem:
                report.problems.append(f"{rel}: {problem}")
    return report
