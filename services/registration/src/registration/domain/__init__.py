"""Registration's business rules: eligibility, size tiers, identifiers, inbound planning.

Nothing here imports a framework or does I/O, so every rule is unit-tested on plain values.
"""
