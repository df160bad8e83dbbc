"""The compendium: chapter profiles, the runner, claims, stored results and the book build."""

from effdyn.compendium.claims import Claim, claim, claims_markdown, read_claims, show_claims

__all__ = ["Claim", "claim", "claims_markdown", "read_claims", "show_claims"]
