"""A Sphinx extension with the book's fixes for problems a reader's browser would show.

Jupyter Book 1 fires ``env-before-read-docs`` twice in a build that re-reads documents, so
extensions that add inline scripts there (sphinx-thebe, sphinx-togglebutton) add them twice; the
second ``const THEBE_JS_URL`` is a JavaScript ``SyntaxError`` on every page. This extension drops
repeated scripts from each page's context.
"""

from __future__ import annotations

from typing import Any


def _script_identity(script: Any) -> tuple:
    filename = getattr(script, "filename", script) or ""  # None and "" both mean inline
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((str(k), str(v)) for k, v in attributes.items())))


def drop_repeated_scripts(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Keep the first of identical scripts (same file or same inline body and attributes)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        identity = _script_identity(script)
        if identity in seen:
            continue
        seen.add(identity)
        kept.append(script)
    scripts[:] = kept  # in place: later handlers (MathJax) add to this very list


def setup(app) -> dict[str, Any]:
    # early: the event stops at the first handler that returns a template name
    app.connect("html-page-context", drop_repeated_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
