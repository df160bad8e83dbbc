"""Claims: every number a chapter compares with a reference, recorded as data.

A chapter never just prints a number: it calls :func:`claim` with its value, the reference value,
what kind of reference it is, where the tolerance comes from and, where one exists, the naive
prediction (the *null*) that the claim must rule out. The record is written to the file named by
the ``EFFDYN_CLAIMS_FILE`` environment variable (set by the compendium runner) as one JSON line,
so that claims made before a failing cell survive; the runner gathers them into ``claims.json``
and the scorecard page of the book is built from those files, never by hand.

The API keeps claims honest by construction:

* ``kind`` says what the reference is (:data:`REFERENCE_KINDS`); unknown kinds are refused, and
  the scorecard counts how many claims of each chapter test against an independent reference.
* ``tolerance_from`` says where the tolerance comes from (:data:`TOLERANCE_SOURCES`). A
  ``"statistical"`` tolerance is *computed* from the standard errors of our value and of the
  reference (``n_sigma`` combined standard errors); it cannot be padded with a fixed ``rtol``.
* ``null`` is the prediction a naive model makes; when it would pass the same test the claim is
  marked as not discriminating.
* When standard errors accompany a tolerance of another source, a claim whose noise band
  (``n_sigma`` combined standard errors) is wider than its tolerance is marked *noise-limited*:
  its verdict is not yet significant.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CLAIMS_FILE_ENV = "EFFDYN_CLAIMS_FILE"
CHAPTER_ENV = "EFFDYN_CHAPTER"
PROFILE_ENV = "EFFDYN_PROFILE"

#: The kinds of reference a claim may be checked against, with what each means.
REFERENCE_KINDS: dict[str, str] = {
    "paper": "a number the paper or its official code published",
    "paper-qualitative": "a statement or figure of the paper, read as a threshold",
    "literature": "a number published elsewhere than in the paper",
    "exact": "a closed-form result",
    "grid": "a converged deterministic numerical solution computed here",
    "brute-force": "a long direct simulation computed here",
    "peer-package": "an independent implementation",
    "comparison": "another of our own results",
    "threshold": "a bound we chose",
}

#: Kinds whose reference is computed or published independently of the method under test.
INDEPENDENT_KINDS = ("paper", "literature", "exact", "grid", "brute-force", "peer-package")

#: Where a tolerance may come from.
TOLERANCE_SOURCES: dict[str, str] = {
    "statistical": "n_sigma combined standard errors of our value and of the reference",
    "discretisation": "a step, grid or truncation error, estimated or bounded",
    "paper": "the accuracy the paper states or can be read to",
    "chosen": "a band we chose before looking at the result (say why in the note)",
}

#: How ``value`` is compared with ``reference``: ``approx`` is a two-sided tolerance band,
#: ``<=`` and ``>=`` are one-sided (the tolerance widens the bound).
RELATIONS = ("approx", "<=", ">=")

DEFAULT_N_SIGMA = 3.0


@dataclass(frozen=True)
class Claim:
    """One comparison of a chapter's result with a reference.

    Attributes
    ----------
    name : str
        Short unique description, e.g. ``"lambda_1, double well, sigma=1"``.
    value, reference : float
        Our number and the reference number.
    kind : str
        One of :data:`REFERENCE_KINDS`.
    source : str
        Where the reference comes from (table or equation of the paper, the grid solver, ...).
    rtol, atol : float
        The tolerance band ``atol + rtol * |reference|`` (for a statistical tolerance, ``atol``
        holds the computed ``n_sigma * hypot(stderr, reference_stderr)`` and ``rtol`` is zero).
    relation : str
        One of :data:`RELATIONS`.
    passed : bool
        Whether the comparison holds (``False`` for a non-finite value).
    tolerance_from : str
        One of :data:`TOLERANCE_SOURCES` (``""`` only in records written before it existed).
    stderr, reference_stderr : float or None
        Standard errors of our value and of the reference, when they are known.
    n_sigma : float or None
        How many combined standard errors make the statistical band or the noise band.
    null, null_name : float or None, str
        The naive prediction the claim must rule out, and what it is.
    discriminates : bool or None
        Whether the null fails the same test (``None``: no null given).
    noise_limited : bool
        The noise band is wider than a non-statistical tolerance: the verdict is not significant.
    """

    name: str
    value: float
    reference: float
    kind: str
    source: str
    rtol: float = 0.0
    atol: float = 0.0
    relation: str = "approx"
    passed: bool = False
    note: str = ""
    chapter: str = ""
    profile: str = ""
    device: str = ""
    tolerance_from: str = ""
    stderr: float | None = None
    reference_stderr: float | None = None
    n_sigma: float | None = None
    null: float | None = None
    null_name: str = ""
    discriminates: bool | None = None
    noise_limited: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def band(self) -> float:
        """The half-width of the tolerance band."""
        return self.atol + self.rtol * abs(self.reference)

    @property
    def tolerance(self) -> str:
        """The tolerance as text for tables, e.g. ``rtol 0.15`` or ``<= ref + 3σ (0.012)``."""
        if self.tolerance_from == "statistical":
            parts = [f"{self.n_sigma:g}σ ({self.atol:.3g})"]
        else:
            parts = []
            if self.rtol:
                parts.append(f"rtol {self.rtol:g}")
            if self.atol:
                parts.append(f"atol {self.atol:g}")
        if self.relation == "approx":
            return ", ".join(parts) if parts else "equal"
        sign = "+" if self.relation == "<=" else "-"
        return f"{self.relation} ref" + (f" {sign} {', '.join(parts)}" if parts else "")

    @property
    def flags(self) -> list[str]:
        """Warnings a reader should see beside the verdict."""
        out = []
        if self.discriminates is False:
            out.append(f"does not discriminate (null {self.null_name or 'prediction'} passes too)")
        if self.noise_limited:
            out.append("noise-limited (noise band wider than the tolerance)")
        return out

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Show a claim as its one-line verdict (not the dataclass fields)."""
        printer.text(self.line())

    def _ipython_display_(self) -> None:
        """In a notebook, show the verdict line, unless :func:`claim` printed it in this cell."""
        count = _execution_count()
        if count is not None and _PRINTED_IN_CELL.get(id(self)) == count:
            return
        from IPython.display import display

        display({"text/plain": self.line()}, raw=True)

    def line(self) -> str:
        """A one-line human summary of the claim."""
        verdict = "PASS" if self.passed else "FAIL"
        source = f"; from {self.tolerance_from}" if self.tolerance_from else ""
        text = (
            f"[{verdict}] {self.name}: ours {self.value:.6g}, reference {self.reference:.6g} "
            f"({self.kind}; {self.tolerance}{source})"
        )
        if self.null is not None:
            text += f"; null {self.null_name or 'prediction'} {self.null:.6g}"
        for flag in self.flags:
            text += f" [{flag}]"
        return text


def _as_float(x: Any, what: str) -> float:
    if hasattr(x, "item"):  # numpy or torch scalars
        x = x.item()
    if isinstance(x, bool):
        return float(x)
    try:
        return float(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"claim {what} must be a real number, got {type(x).__name__}") from err


def _optional_error(x: Any, what: str) -> float | None:
    if x is None:
        return None
    value = _as_float(x, what)
    if not value >= 0:  # also refuses NaN
        raise ValueError(f"claim {what} must be a non-negative number, got {value}")
    return value


def check(value: float, reference: float, rtol: float, atol: float, relation: str) -> bool:
    """Return whether ``value`` stands in ``relation`` to ``reference`` within the tolerance."""
    if not (math.isfinite(value) and math.isfinite(reference)):
        return False
    band = atol + rtol * abs(reference)
    if relation == "approx":
        return abs(value - reference) <= band
    if relation == "<=":
        return value <= reference + band
    if relation == ">=":
        return value >= reference - band
    raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")


_RECORDED: list[Claim] = []
_PRINTED_IN_CELL: dict[int, int | None] = {}


def _execution_count() -> int | None:
    """The IPython cell being executed, or ``None`` outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - plain Python
        return None
    shell = get_ipython()
    return None if shell is None else int(shell.execution_count)


def claim(
    name: str,
    value: Any,
    reference: Any,
    *,
    kind: str,
    source: str,
    tolerance_from: str,
    rtol: float = 0.0,
    atol: float = 0.0,
    relation: str = "approx",
    stderr: Any = None,
    reference_stderr: Any = None,
    n_sigma: float | None = None,
    null: Any = None,
    null_name: str = "",
    note: str = "",
    **extra: Any,
) -> Claim:
    """Record one comparison of a chapter's result with a reference and return it.

    Parameters
    ----------
    name : str
        Short unique description of what is compared.
    value : float
        Our value (a Python, NumPy or 0-d torch number; booleans count as 0/1).
    reference : float
        The reference value.
    kind : str
        What the reference is, one of :data:`REFERENCE_KINDS`: ``"paper"`` (a number the paper
        or its official code published), ``"paper-qualitative"`` (a statement or figure of the
        paper read as a threshold), ``"literature"`` (a number from another source),
        ``"exact"``, ``"grid"``, ``"brute-force"``, ``"peer-package"``, ``"comparison"``
        (another of our own results) or ``"threshold"`` (a bound we chose).
    source : str
        Where the reference comes from, precisely enough to check it.
    tolerance_from : str
        Where the tolerance comes from, one of :data:`TOLERANCE_SOURCES`. With
        ``"statistical"`` the band is ``n_sigma * hypot(stderr, reference_stderr)`` and
        ``rtol``/``atol`` must be left at zero; otherwise the band is ``atol + rtol * |ref|``.
    rtol, atol : float
        Relative and absolute tolerance for a non-statistical band.
    relation : {"approx", "<=", ">="}
        Two-sided band, or a one-sided bound ``value <= reference + band`` /
        ``value >= reference - band``.
    stderr, reference_stderr : float, optional
        Standard errors of our value and of the reference, in the units of the value.
    n_sigma : float, optional
        Number of combined standard errors of the statistical (or noise) band; default 3.
    null : float, optional
        The naive prediction the claim must rule out (e.g. the uncorrected model). If it passes
        the same test, the claim is marked as not discriminating.
    null_name : str
        What the null is, e.g. ``"carbon-only M"``.
    note : str
        Anything a reader needs to interpret the comparison (scale, caveats).
    **extra
        Further JSON-serialisable fields kept with the record.

    Returns
    -------
    Claim
        The record; ``claim(...).passed`` tells whether it holds. A failing claim is recorded,
        not raised: the scorecard reports it.

    Raises
    ------
    ValueError
        For an unknown kind, relation or tolerance source, negative tolerances, a missing
        source, a statistical tolerance without standard errors or padded with ``rtol``/``atol``.
    """
    if kind not in REFERENCE_KINDS:
        raise ValueError(
            f"unknown reference kind {kind!r}; expected one of {', '.join(REFERENCE_KINDS)}"
        )
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")
    if tolerance_from not in TOLERANCE_SOURCES:
        raise ValueError(
            f"unknown tolerance source {tolerance_from!r}; expected one of "
            f"{', '.join(TOLERANCE_SOURCES)}"
        )
    if rtol < 0 or atol < 0:
        raise ValueError("tolerances must be non-negative")
    if not source:
        raise ValueError("every claim needs a source for its reference")
    if null is None and null_name:
        raise ValueError("null_name given without a null value")
    v = _as_float(value, "value")
    r = _as_float(reference, "reference")
    se = _optional_error(stderr, "stderr")
    se_ref = _optional_error(reference_stderr, "reference_stderr")
    has_errors = se is not None or se_ref is not None
    sigma = math.hypot(se or 0.0, se_ref or 0.0)
    k = None if n_sigma is None else float(n_sigma)
    if k is not None and not k > 0:
        raise ValueError("n_sigma must be positive")
    noise_limited = False
    if tolerance_from == "statistical":
        if rtol or atol:
            raise ValueError(
                "a statistical tolerance is computed from the standard errors: leave rtol and "
                "atol at zero (use tolerance_from='chosen' for a band of your own)"
            )
        if not (has_errors and sigma > 0 and math.isfinite(sigma)):
            raise ValueError("a statistical tolerance needs a positive stderr or reference_stderr")
        k = DEFAULT_N_SIGMA if k is None else k
        rtol, atol = 0.0, k * sigma
    elif has_errors:
        k = DEFAULT_N_SIGMA if k is None else k
        noise_limited = bool(k * sigma > atol + rtol * abs(r))
    nv = None if null is None else _as_float(null, "null")
    discriminates = None if nv is None else not check(nv, r, rtol, atol, relation)
    from effdyn.device import DEVICE_ENV

    record = Claim(
        name=name,
        value=v,
        reference=r,
        kind=kind,
        source=source,
        rtol=float(rtol),
        atol=float(atol),
        relation=relation,
        passed=check(v, r, rtol, atol, relation),
        note=note,
        chapter=os.environ.get(CHAPTER_ENV, ""),
        profile=os.environ.get(PROFILE_ENV, ""),
        device=os.environ.get(DEVICE_ENV, "") or _auto_device_name(),
        tolerance_from=tolerance_from,
        stderr=se,
        reference_stderr=se_ref,
        n_sigma=k,
        null=nv,
        null_name=null_name,
        discriminates=discriminates,
        noise_limited=noise_limited,
        extra=extra,
    )
    _RECORDED.append(record)
    path = os.environ.get(CLAIMS_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(to_json(record)) + "\n")
    print(record.line())
    if (count := _execution_count()) is not None:
        _PRINTED_IN_CELL[id(record)] = count
    return record


def _auto_device_name() -> str:
    from effdyn.device import chapter_device

    return chapter_device().type


_FLOAT_FIELDS = ("value", "reference", "stderr", "reference_stderr", "null")


def to_json(record: Claim) -> dict[str, Any]:
    """The JSON form of a claim (non-finite numbers become strings)."""
    data = asdict(record)
    for key in _FLOAT_FIELDS:
        if data[key] is not None and not math.isfinite(data[key]):
            data[key] = str(data[key])
    data["tolerance"] = record.tolerance
    return data


def from_json(data: dict[str, Any]) -> Claim:
    """Inverse of :func:`to_json` (records written before a field existed get its default)."""
    known = set(Claim.__dataclass_fields__)
    fields = {k: v for k, v in data.items() if k in known}
    for key in _FLOAT_FIELDS:
        if fields.get(key) is not None:
            fields[key] = float(fields[key])
    return Claim(**fields)


def recorded() -> list[Claim]:
    """The claims recorded in this Python process, in order."""
    return list(_RECORDED)


def read_claims(path: str | os.PathLike[str]) -> list[Claim]:
    """Read claims from a ``claims.json`` (a list) or a JSON-lines file written by :func:`claim`."""
    text = Path(path).read_text(encoding="utf-8").strip()
    if not text:
        return []
    if text.startswith("["):
        return [from_json(d) for d in json.loads(text)]
    return [from_json(json.loads(line)) for line in text.splitlines() if line.strip()]


def _verdict_cell(c: Claim) -> str:
    verdict = "pass" if c.passed else "**FAIL**"
    return verdict + "".join(f"; *{flag}*" for flag in c.flags)


def claims_markdown(claims: list[Claim] | None = None) -> str:
    """A Markdown table of claims (default: those recorded in this process)."""
    rows = recorded() if claims is None else claims
    out = [
        "| claim | ours | reference | kind | tolerance (from) | null | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in rows:
        null = "" if c.null is None else f"{c.null:.4g} ({c.null_name})" if c.null_name else ""
        if c.null is not None and not c.null_name:
            null = f"{c.null:.4g}"
        tol = c.tolerance + (f" ({c.tolerance_from})" if c.tolerance_from else "")
        out.append(
            f"| {c.name} | {c.value:.4g} | {c.reference:.4g} | {c.kind} | {tol} | {null} | "
            f"{_verdict_cell(c)} |"
        )
    return "\n".join(out)


def show_claims() -> Any:
    """Display the table of this chapter's claims in a notebook (returns a Markdown object)."""
    try:
        from IPython.display import Markdown
    except ImportError:  # pragma: no cover - plain Python
        print(claims_markdown())
        return None
    return Markdown(claims_markdown())
