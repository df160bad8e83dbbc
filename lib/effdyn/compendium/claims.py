"""Claims: every number a chapter compares with a reference, recorded as data.

A chapter never just prints a number: it calls :func:`claim` with its value, the reference value,
the kind of reference and a tolerance. The record is written to the file named by the
``EFFDYN_CLAIMS_FILE`` environment variable (set by the compendium runner) as one JSON line, so
that claims made before a failing cell survive; the runner gathers them into ``claims.json`` and
the scorecard page of the book is built from those files, never by hand.
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

#: The kinds of reference a claim may be checked against.
REFERENCE_KINDS = ("paper", "exact", "grid", "brute-force", "peer-package", "comparison")

#: How ``value`` is compared with ``reference``: ``approx`` is a two-sided tolerance band,
#: ``<=`` and ``>=`` are one-sided (the tolerance widens the bound).
RELATIONS = ("approx", "<=", ">=")


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
        Tolerances; the band is ``atol + rtol * |reference|``.
    relation : str
        One of :data:`RELATIONS`.
    passed : bool
        Whether the comparison holds (``False`` for a non-finite value).
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
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tolerance(self) -> str:
        """The tolerance as text for tables, e.g. ``rtol 0.15`` or ``<= ref + atol 0.01``."""
        parts = []
        if self.rtol:
            parts.append(f"rtol {self.rtol:g}")
        if self.atol:
            parts.append(f"atol {self.atol:g}")
        if self.relation == "approx":
            return ", ".join(parts) if parts else "equal"
        sign = "+" if self.relation == "<=" else "-"
        return f"{self.relation} ref" + (f" {sign} {', '.join(parts)}" if parts else "")

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Show a claim as its one-line verdict in notebooks (not the dataclass fields)."""
        printer.text(self.line())

    def line(self) -> str:
        """A one-line human summary of the claim."""
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"[{verdict}] {self.name}: ours {self.value:.6g}, reference {self.reference:.6g} "
            f"({self.kind}; {self.tolerance})"
        )


def _as_float(x: Any, what: str) -> float:
    if hasattr(x, "item"):  # numpy or torch scalars
        x = x.item()
    if isinstance(x, bool):
        return float(x)
    try:
        return float(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"claim {what} must be a real number, got {type(x).__name__}") from err


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


def claim(
    name: str,
    value: Any,
    reference: Any,
    *,
    kind: str,
    source: str,
    rtol: float = 0.0,
    atol: float = 0.0,
    relation: str = "approx",
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
        One of ``"paper"`` (a number printed in the paper), ``"exact"`` (a formula),
        ``"grid"`` (a converged deterministic numerical solution), ``"brute-force"``
        (a long direct simulation), ``"peer-package"`` (another implementation) or
        ``"comparison"`` (another of our own results, or a threshold we chose: a qualitative
        statement of the paper, such as "method A is slower than method B").
    source : str
        Where the reference comes from, precisely enough to check it.
    rtol, atol : float
        Relative and absolute tolerance: the band is ``atol + rtol * |reference|``.
    relation : {"approx", "<=", ">="}
        Two-sided band, or a one-sided bound ``value <= reference + band`` /
        ``value >= reference - band``.
    note : str
        Anything a reader needs to interpret the comparison (error bars, scale).
    **extra
        Further JSON-serialisable fields kept with the record (e.g. ``stderr=0.01``).

    Returns
    -------
    Claim
        The record; ``claim(...).passed`` tells whether it holds. A failing claim is recorded,
        not raised: the scorecard reports it.
    """
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"unknown reference kind {kind!r}; expected one of {REFERENCE_KINDS}")
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}; expected one of {RELATIONS}")
    if rtol < 0 or atol < 0:
        raise ValueError("tolerances must be non-negative")
    if not source:
        raise ValueError("every claim needs a source for its reference")
    v = _as_float(value, "value")
    r = _as_float(reference, "reference")
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
        extra=extra,
    )
    _RECORDED.append(record)
    path = os.environ.get(CLAIMS_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(to_json(record)) + "\n")
    print(record.line())
    return record


def _auto_device_name() -> str:
    from effdyn.device import chapter_device

    return chapter_device().type


def to_json(record: Claim) -> dict[str, Any]:
    """The JSON form of a claim (non-finite numbers become strings)."""
    data = asdict(record)
    for key in ("value", "reference"):
        if not math.isfinite(data[key]):
            data[key] = str(data[key])
    data["tolerance"] = record.tolerance
    return data


def from_json(data: dict[str, Any]) -> Claim:
    """Inverse of :func:`to_json`."""
    fields = {k: v for k, v in data.items() if k != "tolerance"}
    for key in ("value", "reference"):
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


def claims_markdown(claims: list[Claim] | None = None) -> str:
    """A Markdown table of claims (default: those recorded in this process)."""
    rows = recorded() if claims is None else claims
    out = [
        "| claim | ours | reference | kind | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for c in rows:
        verdict = "pass" if c.passed else "**FAIL**"
        out.append(
            f"| {c.name} | {c.value:.4g} | {c.reference:.4g} | {c.kind} | {c.tolerance} | "
            f"{verdict} |"
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
