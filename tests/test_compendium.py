"""The compendium runner and the book build on tiny test-only chapters and a fixture package.

Validation errors, runs, failure isolation, reuse by dependency key and its invalidation, stale
runs, committed runs, parallel execution, seed checks, the scorecard.
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
from effdyn.compendium.seeds import check_seeds, read_seed_checks
from effdyn.compendium.selection import current_key, reusable_run, select_shown

FIXTURES = Path(__file__).parent / "fixtures"


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


def make_checkout(root: Path, slugs: tuple[str, ...] = ("tiny", "alpha")) -> Path:
    """A fixture checkout with the named fixture chapters and the fixture package in lib/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("")
    (root / "chapters").mkdir()
    for slug in slugs:
        shutil.copy(FIXTURES / "chapters" / f"{slug}.md", root / "chapters" / f"{slug}.md")
    shutil.copytree(FIXTURES / "fixpkg", root / "lib" / "fixpkg")
    (root / "book").mkdir()
    for name in BOOK_PAGES:
        (root / "book" / name).write_text("# page\n" if name.endswith(".md") else "")
    listed = ", ".join(slugs)
    (root / "book" / "parts.yml").write_text(f"I:\n  title: 'I. Test'\n  chapters: [{listed}]\n")
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
    assert [c["passed"] for c in claims] == [True, False, False]
    assert claims[0]["value"] == pytest.approx(4950.0)
    assert claims[0]["chapter"] == "tiny" and claims[0]["profile"] == "ci"
    p = json.loads((good_run.folder / "provenance.json").read_text())
    assert p["parameters"] == {
        "n": 100,
        "scale": 1.0,
        "label": "tiny",
        "fail": False,
        "seed": 0,
        "pause": 0.0,
    }
    assert p["chapter_hash"] == prov.chapter_hash(book_root / "chapters" / "tiny.md")
    assert p["key"] == current_key(find_chapter("tiny", book_root), "ci").value
    assert "effdyn/compendium/claims.py" in p["key_parts"]["modules"]
    assert (p["n_claims"], p["n_passed"], p["device"]) == (3, 1, "cpu")
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
    assert len(failed.claims) == 3  # claims made before the failing cell survive
    assert (good_run.folder / "provenance.json").read_bytes() == before


def test_reuse_requires_the_key_to_match(good_run, book_root):
    chapter = find_chapter("tiny", book_root)
    assert reusable_run(chapter, "ci", book_root).folder == good_run.folder
    assert select_shown(chapter, "ci", book_root).status == "reused"
    assert reusable_run(chapter, "smoke", book_root) is None  # never ran with these params
    other = current_key(chapter, "ci")
    other.parts["modules"]["effdyn/compendium/claims.py"] = "0" * 64
    assert reusable_run(chapter, "ci", book_root, key=other) is None


def test_reuse_refused_after_chapter_edit(good_run, book_root):
    path = book_root / "chapters" / "tiny.md"
    original = path.read_text()
    try:
        path.write_text(original + "\n<!-- edited -->\n")
        assert reusable_run(find_chapter("tiny", book_root), "ci", book_root) is None
    finally:
        path.write_text(original)


def test_stored_paper_run_shown_only_while_chapter_unchanged(book_root):
    run = run_chapter("tiny", "paper", root=book_root, progress=False)
    stored = store_run(run.folder, book_root)
    assert stored == book_root / "book" / "stored" / "tiny" / "paper"
    chapter = find_chapter("tiny", book_root)
    shown = select_shown(chapter, "ci", book_root)
    assert shown.status == "stored-paper" and not shown.library_changed
    prov_path = stored / "provenance.json"
    original_prov = prov_path.read_text()
    data = json.loads(original_prov)
    data["key_parts"]["modules"]["effdyn/compendium/claims.py"] = "1" * 64
    prov_path.write_text(json.dumps(data))
    shown = select_shown(chapter, "ci", book_root)
    assert shown.library_changed and "library has changed" in shown.note()
    assert "effdyn/compendium/claims.py" in shown.note()
    prov_path.write_text(original_prov)
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
    assert "1/3 claims pass in 1 chapters" in text
    md = scorecard_markdown([record], {"boom": "cell 3 raised"})
    row = "| pass | sum of 0..n-1 | 4950 | 4950 | exact | Gauss | rtol 1e-12 (discretisation) |"
    assert row in md
    assert "| tiny | exact 2, threshold 1 | 2 | 0 | 0 | not checked |" in md  # counts per kind
    every = md[md.index("### tiny") :]
    assert every.index("deliberately off") < every.index("sum of 0..n-1")  # failing first
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
    assert "tiny: reused (key" in out.out  # tiny was not rerun
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


def _staged_without_status(root: Path, slug: str) -> list:
    """The staged page without what says how this build got the run (status, rerun box)."""
    nb = json.loads((root / "book" / "_build" / "src" / "chapters" / f"{slug}.ipynb").read_text())
    skip = {"effdyn-status", "effdyn-rerun"}
    return [
        (c["source"], c.get("outputs"))
        for c in nb["cells"]
        if not skip & set(c["metadata"].get("tags", []))
    ]


def test_incremental_build_reruns_exactly_what_changed(tmp_path, capsys):
    root = make_checkout(tmp_path)
    stored = root / "book" / "stored"
    assert build_book(html=False, root=root, jobs=2) == 0
    out = capsys.readouterr().out
    assert "tiny: executed (no kept run)" in out and "alpha: executed (no kept run)" in out
    assert "budget report" in out and "2 executed" in out
    for slug in ("tiny", "alpha"):  # committed runs, shrunk, with their key
        record = read_run(stored / slug / "ci")
        assert record.ok and record.provenance["key"]
    first = {s: _staged_without_status(root, s) for s in ("tiny", "alpha")}

    # every key matches: nothing runs, and the same book is staged
    assert build_book(html=False, root=root, jobs=2) == 0
    out = capsys.readouterr().out
    assert "tiny: reused (key" in out and "alpha: reused (key" in out and "0 executed" in out
    assert {s: _staged_without_status(root, s) for s in ("tiny", "alpha")} == first
    assert "reused, run of" in (root / "book" / "_build" / "src" / "scorecard.md").read_text()

    # a module that alpha imports (transitively) changes: only alpha reruns, and says why
    beta = root / "lib" / "fixpkg" / "beta.py"
    beta.write_text(beta.read_text() + "# a comment counts too\n")
    assert build_book(html=False, root=root, jobs=2) == 0
    out = capsys.readouterr().out
    assert "tiny: reused (key" in out
    assert "alpha: executed (changed: fixpkg/beta.py)" in out
    assert (
        "executed in this build" in (root / "book" / "_build" / "src" / "scorecard.md").read_text()
    )

    # a module nobody imports changes: nothing reruns
    gamma = root / "lib" / "fixpkg" / "gamma.py"
    gamma.write_text(gamma.read_text() + "# unused\n")
    assert build_book(html=False, root=root, jobs=1) == 0
    assert "0 executed" in capsys.readouterr().out

    # --rebuild ignores every kept run
    assert build_book(html=False, root=root, jobs=2, rebuild=True) == 0
    out = capsys.readouterr().out
    assert "tiny: executed (rebuild asked)" in out and "2 executed" in out


def test_a_stale_run_is_never_shown_as_current(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert build_book(html=False, root=root) == 0
    beta = root / "lib" / "fixpkg" / "beta.py"
    beta.write_text(beta.read_text() + "BASE = 0\n")
    capsys.readouterr()
    assert build_book(html=False, root=root, execute=False) == 1
    out = capsys.readouterr()
    assert "alpha: stale (changed: fixpkg/beta.py)" in out.out
    assert "FAILED alpha: stale run shown" in out.err
    staged = (root / "book" / "_build" / "src" / "chapters" / "alpha.ipynb").read_text()
    assert "This run is stale" in staged and "fixpkg/beta.py" in staged
    assert "**stale** run of" in (root / "book" / "_build" / "src" / "scorecard.md").read_text()
    assert "This run is stale" not in _staged_text(root, "tiny")


def _staged_text(root: Path, slug: str) -> str:
    return (root / "book" / "_build" / "src" / "chapters" / f"{slug}.ipynb").read_text()


def test_a_failed_reexecution_keeps_the_committed_run(tmp_path, capsys):
    root = make_checkout(tmp_path)
    assert build_book(html=False, root=root) == 0
    committed = root / "book" / "stored" / "alpha" / "ci" / "provenance.json"
    before = committed.read_bytes()
    beta = root / "lib" / "fixpkg" / "beta.py"
    beta.write_text(beta.read_text() + "raise RuntimeError('broken beta')\n")
    capsys.readouterr()
    assert build_book(html=False, root=root) == 1
    out = capsys.readouterr()
    assert "FAILED alpha:" in out.err and "broken beta" in out.err
    assert "tiny: reused" in out.out
    assert committed.read_bytes() == before


def test_check_seeds_finds_the_claim_whose_verdict_flips(tmp_path, capsys):
    root = make_checkout(tmp_path, ("tiny",))
    check = check_seeds("tiny", "ci", n_seeds=2, jobs=2, root=root)
    assert check.seeds == [0, 1, 2]
    # random.Random(s).random() for s = 0, 1, 2: 0.84, 0.13, 0.96
    assert check.verdicts["a coin lands heads"] == [False, True, False]
    assert check.fragile == ["a coin lands heads"]
    assert check.verdicts["sum of 0..n-1"] == [True, True, True]
    assert "<- fragile" in check.table()
    assert read_seed_checks("tiny", "ci", root).fragile == check.fragile
    assert build_book(html=False, root=root) == 0
    assert "tiny: reused (key" in capsys.readouterr().out  # the seed check ran the ci run
    scorecard = (root / "book" / "_build" / "src" / "scorecard.md").read_text()
    assert "*fragile*" in scorecard and "| 1 (3 seeds) |" in scorecard
    with pytest.raises(CompendiumError, match="no 'seed' parameter"):
        check_seeds("alpha", root=make_checkout(tmp_path / "other", ("alpha",)))
