"""The catalog domain: items, their product identifiers and what the catalog is asked to do.

No framework or I/O imports here.
"""
