"""The compendium runner on a tiny test-only chapter.

Validation errors, runs, failure isolation, reuse and hash invalidation, the scorecard.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from effdyn.compendium import provenance as prov
from effdyn.compendium.book import BOOK_PAGES, build_book
from effdyn.compendium.chapters import CompendiumError, find_chapter
from effdyn.compendium.cli import main
from effdyn.compendium.runner import PROVENANCE_TAG, run_chapter
from effdyn.compendium.runs import read_run, store_run
from effdyn.compendium.scorecard import scorecard_markdown, scorecard_text
from effdyn.compendium.selection import reusable_run, select_shown

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module", autouse=True)
def frozen_library_hash():
    """Pin the library hash so that edits to the library while the tests run do not matter."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prov, "library_hash", lambda: "f" * 64)
        yield


@pytest.fixture(scope="module")
def book_root(tmp_path_factory) -> Path:
    """A minimal checkout: two chapters (one that fails), parts.yml and the book pages."""
    root = tmp_path_factory.mktemp("book_root")
    (root / "pyproject.toml").write_text("")
    chapters = root / "chapters"
    chapters.mkdir()
    tiny = (FIXTURES / "chapters" / "tiny.md").read_text()
    (chapters / "tiny.md").write_text(tiny)
    (chapters / "boom.md").write_text(tiny.replace("fail = False", "fail = True"))
    book = root / "book"
    book.mkdir()
    for name in BOOK_PAGES:
        (book / name).write_text("# page\n" if name.endswith(".md") else "")
    (book / "parts.yml").write_text("I:\n  title: 'I. Test part'\n  chapters: [tiny, boom]\n")
    return root


@pytest.fixture(scope="module")
def good_run(book_root):
    return run_chapter("tiny", "ci", root=book_root, progress=False)


def test_unknown_chapter_lists_known_ones(book_root):
    expected = r"unknown chapter 'nope'; known chapters: boom, tiny"
    with pytest.raises(CompendiumError, match=expected):
        find_chapter("nope", book_root)


def test_unknown_parameter_names_the_chapters_parameters(book_root):
    chapter = find_chapter("tiny", book_root)
    with pytest.raises(CompendiumError, match=r"no parameter 'm'.*parameters: n, scale, label"):
        chapter.parameters("ci", {"m": 3})


def test_wrong_type_names_parameter_and_expected_type(book_root):
    chapter = find_chapter("tiny", book_root)
    with pytest.raises(CompendiumError, match=r"parameter 'n' expects int, got 2.5"):
        chapter.parameters("ci", {"n": 2.5})
    with pytest.raises(CompendiumError, match=r"parameter 'fail' expects bool"):
        chapter.parameters("ci", {"fail": 1})
    # an int is a valid float, and is widened
    assert chapter.parameters("ci", {"scale": 3})["scale"] == 3.0


def test_unknown_profile_lists_profiles(book_root):
    chapter = find_chapter("tiny", book_root)
    with pytest.raises(CompendiumError, match=r"no profile 'huge'; profiles: smoke, ci, paper"):
        chapter.parameters("huge")


def test_profiles_apply_over_defaults(book_root):
    chapter = find_chapter("tiny", book_root)
    assert chapter.parameters("ci") == chapter.defaults
    assert chapter.parameters("smoke")["n"] == 10
    assert chapter.parameters("paper", {"n": 7}) == {**chapter.defaults, "n": 7, "scale": 2.0}


def test_cli_errors_are_one_line(book_root, monkeypatch, capsys):
    monkeypatch.setenv("EFFDYN_ROOT", str(book_root))
    for argv in (
        ["run", "nope"],
        ["run", "tiny", "-p", "m", "1"],
        ["run", "tiny", "-p", "n", "'ten'"],
        ["run", "tiny", "--profile", "huge"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("effdyn: error: ") and "\n" not in err


def test_run_writes_notebook_claims_and_provenance(good_run, book_root):
    assert good_run.ok, good_run.error
    assert good_run.folder == book_root / "book" / "_build" / "runs" / "tiny" / "ci"
    claims = json.loads((good_run.folder / "claims.json").read_text())
    assert [c["passed"] for c in claims] == [True, False]
    assert claims[0]["value"] == pytest.approx(4950.0)
    assert claims[0]["chapter"] == "tiny" and claims[0]["profile"] == "ci"
    p = json.loads((good_run.folder / "provenance.json").read_text())
    assert p["parameters"] == {"n": 100, "scale": 1.0, "label": "tiny", "fail": False}
    assert p["chapter_hash"] == prov.chapter_hash(book_root / "chapters" / "tiny.md")
    assert p["library_hash"] == prov.library_hash()
    assert (p["n_claims"], p["n_passed"], p["device"]) == (2, 1, "cpu")
    nb = json.loads(good_run.notebook.read_text())
    tagged = [c for c in nb["cells"] if PROVENANCE_TAG in c["metadata"].get("tags", [])]
    assert len(tagged) == 1 and "Profile **ci**" in "".join(tagged[0]["source"])


def test_failed_run_keeps_partial_notebook_and_earlier_result(good_run, book_root):
    before = (good_run.folder / "provenance.json").read_bytes()
    failed = run_chapter("tiny", "ci", {"fail": True}, root=book_root, progress=False)
    assert not failed.ok
    assert "RuntimeError: asked to fail" in failed.error and "cell" in failed.error
    assert failed.folder.name == "ci.failed"
    assert failed.notebook.is_file()
    assert len(failed.claims) == 2  # claims made before the failing cell survive
    assert (good_run.folder / "provenance.json").read_bytes() == before


def test_reuse_requires_every_input_hash_to_match(good_run, book_root, monkeypatch):
    chapter = find_chapter("tiny", book_root)
    assert reusable_run(chapter, "ci", book_root).folder == good_run.folder
    assert select_shown(chapter, "ci", book_root).status == "reused"
    assert reusable_run(chapter, "smoke", book_root) is None  # never ran with these params
    monkeypatch.setattr(prov, "library_hash", lambda: "0" * 64)
    assert reusable_run(chapter, "ci", book_root) is None


def test_reuse_refused_after_chapter_edit(good_run, book_root):
    path = book_root / "chapters" / "tiny.md"
    original = path.read_text()
    try:
        path.write_text(original + "\n<!-- edited -->\n")
        assert reusable_run(find_chapter("tiny", book_root), "ci", book_root) is None
    finally:
        path.write_text(original)


def test_stored_paper_run_shown_only_while_chapter_unchanged(book_root, monkeypatch):
    run = run_chapter("tiny", "paper", root=book_root, progress=False)
    stored = store_run(run.folder, book_root)
    assert stored == book_root / "book" / "stored" / "tiny" / "paper"
    chapter = find_chapter("tiny", book_root)
    shown = select_shown(chapter, "ci", book_root)
    assert shown.status == "stored-paper" and not shown.library_changed
    monkeypatch.setattr(prov, "library_hash", lambda: "1" * 64)
    shown = select_shown(chapter, "ci", book_root)
    assert shown.library_changed and "library has changed" in shown.note()
    monkeypatch.undo()
    path = book_root / "chapters" / "tiny.md"
    original = path.read_text()
    try:
        path.write_text(original.replace("n = 100", "n = 101"))
        assert select_shown(find_chapter("tiny", book_root), "ci", book_root) is None
    finally:
        path.write_text(original)
        shutil.rmtree(stored.parent)


def test_store_refuses_failed_runs(book_root):
    failed = run_chapter("boom", "smoke", root=book_root, progress=False)
    with pytest.raises(CompendiumError, match="failed run"):
        store_run(failed.folder, book_root)


def test_scorecard_gathers_claims(good_run):
    record = read_run(good_run.folder)
    text = scorecard_text([record])
    assert "1/2 claims pass in 1 chapters" in text
    md = scorecard_markdown([record], {"boom": "cell 3 raised"})
    assert "| sum of 0..n-1 | 4950 | 4950 | exact | rtol 1e-12 | pass | ci | cpu |" in md
    assert "**FAIL**" in md and "**boom**: cell 3 raised" in md


def test_build_isolates_failures_and_names_them(good_run, book_root, capsys):
    code = build_book(profile="ci", html=False, root=book_root)
    out = capsys.readouterr()
    assert code == 1
    assert "FAILED boom: cell" in out.err
    src = book_root / "book" / "_build" / "src"
    assert (src / "chapters" / "tiny.ipynb").is_file()
    assert (src / "chapters" / "boom.ipynb").is_file()  # the failed page is shown, marked
    assert "This chapter failed" in (src / "chapters" / "boom.ipynb").read_text()
    staged = json.loads((src / "chapters" / "tiny.ipynb").read_text())
    tags = [c["metadata"].get("tags", []) for c in staged["cells"]]
    injected = [t for t in tags if "injected-parameters" in t]
    assert injected and all("hide-input" in t for t in injected)
    assert "showing reused ci run" in out.out  # tiny was not rerun
    toc = (src / "_toc.yml").read_text()
    assert "chapters/tiny" in toc and "scorecard" in toc
    assert "4950" in (src / "scorecard.md").read_text()


def test_build_budget_fails_loudly(book_root, capsys):
    code = build_book(profile="smoke", html=False, root=book_root, budget_minutes=0.0)
    assert code == 1
    assert "budget" in capsys.readouterr().err


def test_shrink_keeps_figures_and_clips_long_text(tmp_path):
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import nbformat
    from PIL import Image

    from effdyn.compendium.shrink import shrink_notebook

    fig, ax = plt.subplots()
    ax.plot(range(100), [i**0.5 for i in range(100)])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    png = buffer.getvalue()
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()}),
        nbformat.v4.new_output("stream", name="stdout", text="x" * 50_000),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    before, after = shrink_notebook(path, max_text=1000)
    assert after < before
    out = nbformat.read(path, as_version=4).cells[0].outputs
    new_png = base64.b64decode(out[0]["data"]["image/png"])
    assert len(new_png) <= len(png)
    assert Image.open(io.BytesIO(new_png)).size == Image.open(io.BytesIO(png)).size
    assert len(out[1]["text"]) < 1100 and "clipped" in out[1]["text"]


def test_quote_in_a_parameter_comment_is_refused():
    """papermill cannot parse `x = 1  # the bonds' limit` and silently drops x: refuse it."""
    from effdyn.compendium.chapters import _literal_assignments

    assert _literal_assignments('label = "a#b\'c"  # plain comment\nn = 2\n') == {
        "label": "a#b'c",
        "n": 2,
    }
    with pytest.raises(CompendiumError, match="line 2: a quote in a trailing comment"):
        _literal_assignments("n = 2\ndt = 5e-5  # the bonds' limit\n")
