"""The claims API: comparisons, records on disk, bad input, statistical bands and nulls."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from effdyn.compendium.claims import (
    CLAIMS_FILE_ENV,
    REFERENCE_KINDS,
    check,
    claim,
    claims_markdown,
    from_json,
    read_claims,
    to_json,
)


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


def _claim(name="x", value=1.0, reference=1.0, **kw):
    args = {"kind": "exact", "source": "s", "tolerance_from": "chosen"} | kw
    return claim(name, value, reference, **args)


def test_claim_records_json_lines(tmp_path, monkeypatch):
    path = tmp_path / "claims.jsonl"
    monkeypatch.setenv(CLAIMS_FILE_ENV, str(path))
    _claim("a", np.float32(2.0), torch.tensor(2.0))
    _claim("b", float("nan"), 1.0, kind="grid", rtol=0.1, seed_note="kept")
    _claim(
        "c",
        1.0,
        1.1,
        tolerance_from="statistical",
        stderr=0.02,
        reference_stderr=0.02,
        null=1.5,
        null_name="naive",
    )
    first, second, third = read_claims(path)
    assert first.passed and first.value == 2.0
    assert not second.passed and math.isnan(second.value) and second.extra == {"seed_note": "kept"}
    assert third.stderr == 0.02 and third.null == 1.5 and third.discriminates is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "vibes"}, "unknown reference kind"),
        ({"relation": "=="}, "unknown relation"),
        ({"rtol": -1.0}, "non-negative"),
        ({"source": ""}, "needs a source"),
        ({"tolerance_from": "gut"}, "unknown tolerance source"),
        ({"tolerance_from": "statistical"}, "needs a positive stderr"),
        ({"tolerance_from": "statistical", "stderr": 0.1, "rtol": 0.1}, "leave rtol and atol"),
        ({"stderr": -0.1}, "non-negative number"),
        ({"null_name": "naive"}, "without a null value"),
        ({"stderr": 0.1, "n_sigma": 0}, "n_sigma must be positive"),
    ],
)
def test_claim_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _claim(**kwargs)


def test_claim_needs_a_tolerance_source():
    with pytest.raises(TypeError, match="tolerance_from"):
        claim("x", 1.0, 1.0, kind="exact", source="s")  # type: ignore[call-arg]


def test_every_old_kind_but_one_survives_and_new_ones_exist():
    assert {"paper", "exact", "grid", "brute-force", "peer-package", "comparison"} <= set(
        REFERENCE_KINDS
    )
    assert {"paper-qualitative", "literature", "threshold"} <= set(REFERENCE_KINDS)


def test_claim_rejects_non_numbers():
    with pytest.raises(TypeError, match="value must be a real number"):
        _claim(value="one")


def test_statistical_band_is_computed_from_both_standard_errors():
    # sigma = hypot(0.03, 0.04) = 0.05; 3 sigma = 0.15
    inside = _claim(value=1.14, tolerance_from="statistical", stderr=0.03, reference_stderr=0.04)
    outside = _claim(value=1.16, tolerance_from="statistical", stderr=0.03, reference_stderr=0.04)
    assert inside.atol == pytest.approx(0.15) and inside.rtol == 0.0
    assert inside.passed and not outside.passed
    two_sigma = _claim(value=1.09, tolerance_from="statistical", stderr=0.05, n_sigma=2)
    assert two_sigma.passed and two_sigma.n_sigma == 2
    assert not _claim(
        value=1.14, tolerance_from="statistical", reference_stderr=0.05, n_sigma=2.7
    ).passed
    assert "2σ (0.1)" in two_sigma.tolerance


def test_a_null_that_passes_too_marks_the_claim_as_not_discriminating():
    # the carbon-only ratio 1 inside a wide band around the brute-force ratio 0.55
    weak = _claim(value=0.6, reference=0.55, rtol=0.9, null=1.0, null_name="carbon-only")
    strong = _claim(value=0.6, reference=0.55, rtol=0.2, null=1.0, null_name="carbon-only")
    assert weak.passed and weak.discriminates is False
    assert strong.passed and strong.discriminates is True
    assert any("does not discriminate" in f for f in weak.flags) and not strong.flags
    assert "does not discriminate" in weak.line()
    assert _claim().discriminates is None
    one_sided = _claim(value=0.9, reference=0.5, relation=">=", null=0.2)
    assert one_sided.passed and one_sided.discriminates is True


def test_noise_wider_than_a_chosen_band_marks_the_claim_noise_limited():
    noisy = _claim(value=1.1, reference=1.0, rtol=0.1, reference_stderr=0.2)
    quiet = _claim(value=1.1, reference=1.0, rtol=0.1, reference_stderr=0.01)
    assert noisy.noise_limited and not quiet.noise_limited
    assert noisy.atol == 0.0  # the noise is not added to the tolerance
    assert "noise-limited" in noisy.line()


def test_json_round_trip_and_old_records():
    record = _claim(value=2.0, reference=1.0, null=float("inf"), stderr=0.1)
    assert from_json(to_json(record)) == record
    old = {
        "name": "x",
        "value": 1.0,
        "reference": 1.0,
        "kind": "exact",
        "source": "s",
        "rtol": 0.0,
        "atol": 0.0,
        "relation": "approx",
        "passed": True,
        "note": "",
        "chapter": "",
        "profile": "",
        "device": "cpu",
        "extra": {},
        "tolerance": "equal",
    }
    assert from_json(old).tolerance_from == "" and from_json(old).discriminates is None


def test_tolerance_text():
    def text(**kw):
        return _claim(**kw).tolerance

    assert text() == "equal"
    assert text(rtol=0.1, atol=0.2) == "rtol 0.1, atol 0.2"
    assert text(relation="<=", atol=0.5) == "<= ref + atol 0.5"
    assert text(relation=">=", rtol=0.1) == ">= ref - rtol 0.1"
    assert text(relation=">=") == ">= ref"


def test_notebooks_show_a_claim_as_its_verdict_line():
    from IPython.lib.pretty import pretty

    record = _claim(value=1.4, rtol=0.5, relation="<=")
    assert (
        pretty(record)
        == record.line()
        == "[PASS] x: ours 1.4, reference 1 (exact; <= ref + rtol 0.5; from chosen)"
    )


def test_markdown_table_shows_source_null_and_flags():
    rows = [_claim(value=0.6, reference=0.55, rtol=0.9, null=1.0, null_name="carbon-only")]
    md = claims_markdown(rows)
    assert "rtol 0.9 (chosen)" in md and "1 (carbon-only)" in md
    assert "*does not discriminate" in md
