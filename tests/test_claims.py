"""The claims API: comparisons, records on disk, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.compendium.claims import CLAIMS_FILE_ENV, check, claim, read_claims


@pytest.mark.parametrize(
    ("value", "reference", "rtol", "atol", "relation", "expected"),
    [
        (1.0, 1.0, 0.0, 0.0, "approx", True),
        (1.1, 1.0, 0.05, 0.0, "approx", False),
        (1.04, 1.0, 0.05, 0.0, "approx", True),
        (0.96, 1.0, 0.0, 0.05, "approx", True),
        (2.0, 1.0, 0.0, 0.0, "<=", False),
        (1.05, 1.0, 0.0, 0.1, "<=", True),
        (0.5, 1.0, 0.0, 0.0, ">=", False),
        (3.0, 1.0, 0.0, 0.0, ">=", True),
        (math.nan, 1.0, 1.0, 1.0, "approx", False),
        (math.inf, 1.0, 1.0, 1.0, ">=", False),
    ],
)
def test_check(value, reference, rtol, atol, relation, expected):
    assert check(value, reference, rtol, atol, relation) is expected


def test_claim_records_json_lines(tmp_path, monkeypatch):
    path = tmp_path / "claims.jsonl"
    monkeypatch.setenv(CLAIMS_FILE_ENV, str(path))
    claim("a", np.float32(2.0), torch.tensor(2.0), kind="exact", source="x")
    claim("b", float("nan"), 1.0, kind="grid", source="y", rtol=0.1, stderr=0.2)
    first, second = read_claims(path)
    assert first.passed and first.value == 2.0
    assert not second.passed and math.isnan(second.value) and second.extra == {"stderr": 0.2}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "vibes"}, "unknown reference kind"),
        ({"relation": "=="}, "unknown relation"),
        ({"rtol": -1.0}, "non-negative"),
        ({"source": ""}, "needs a source"),
    ],
)
def test_claim_rejects_bad_input(kwargs, message):
    args = {"kind": "exact", "source": "s"} | kwargs
    with pytest.raises(ValueError, match=message):
        claim("x", 1.0, 1.0, **args)


def test_claim_rejects_non_numbers():
    with pytest.raises(TypeError, match="value must be a real number"):
        claim("x", "one", 1.0, kind="exact", source="s")


def test_tolerance_text():
    def text(**kw):
        args = {"kind": "exact", "source": "s"} | kw
        return claim("x", 1.0, 1.0, **args).tolerance

    assert text() == "equal"
    assert text(rtol=0.1, atol=0.2) == "rtol 0.1, atol 0.2"
    assert text(relation="<=", atol=0.5) == "<= ref + atol 0.5"
    assert text(relation=">=", rtol=0.1) == ">= ref - rtol 0.1"
    assert text(relation=">=") == ">= ref"


def test_notebooks_show_a_claim_as_its_verdict_line():
    from IPython.lib.pretty import pretty

    record = claim("x", 1.4, 1.0, kind="exact", source="s", rtol=0.5, relation="<=")
    assert (
        pretty(record)
        == record.line()
        == "[PASS] x: ours 1.4, reference 1 (exact; <= ref + rtol 0.5)"
    )
