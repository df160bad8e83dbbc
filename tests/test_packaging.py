"""The project's metadata agrees with itself: dependencies, version, parts, README, bibliography."""

from __future__ import annotations

import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

import effdyn
from effdyn.compendium.chapters import known_slugs

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}


def _normalise(requirement: str) -> tuple[str, str]:
    req = Requirement(requirement)
    return req.name.lower().replace("_", "-"), str(req.specifier)


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["book"] + extras["dev"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = []
    entries = []
    for entry in env["dependencies"]:  # conda packages, and those only PyPI has under pip:
        entries += entry["pip"] if isinstance(entry, dict) else [entry]
    for entry in entries:
        if entry in ("pip", "-e .") or entry.startswith("python"):
            continue
        name, spec = re.match(r"([A-Za-z0-9_.-]+)(.*)", entry).groups()
        conda.append(f"{CONDA_NAMES.get(name, name)}{spec}")
    assert sorted(map(_normalise, conda)) == sorted(map(_normalise, wanted))


def test_citation_version_matches_package():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == effdyn.__version__


def _parts() -> dict:
    return yaml.safe_load((ROOT / "book" / "parts.yml").read_text())


def test_readme_lists_every_paper_and_marks_written_chapters():
    rows = re.findall(
        r"^\| (I|II|III|IV) \| ([a-z0-9-]+) \| .* \| (written|planned) \|$",
        (ROOT / "README.md").read_text(),
        flags=re.MULTILINE,
    )
    parts = _parts()
    assert [(p, s) for p, s, _ in rows] == [
        (pid, slug) for pid, part in parts.items() for slug in part["chapters"]
    ]
    written = sorted(s for _, s, status in rows if status == "written")
    assert written == known_slugs(ROOT)


def test_every_chapter_has_a_part_and_a_reference():
    from pybtex.database import parse_file

    keys = set(parse_file(str(ROOT / "book" / "references.bib")).entries)
    parts = _parts()
    slugs = [s for part in parts.values() for s in part["chapters"]]
    assert len(slugs) == len(set(slugs))
    assert set(known_slugs(ROOT)) <= set(slugs)
    missing = [s for s in slugs if s not in keys]
    assert not missing, f"references.bib lacks entries keyed {missing}"
