"""The listing domain: listings, the channels that show them, how listings are built, storefront
orders, and the commands the service carries out.

No framework or I/O imports here; the translators in ``entrypoints/consumers.py`` turn events
into these types.
"""
