"""The listing domain: listings, the channels that show them, and how listings are built.

No framework or I/O imports here; the service layer translates events into these types.
"""
