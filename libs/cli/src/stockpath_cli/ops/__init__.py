"""Operator commands: replay a service's store, reset offsets, re-drive dead letters, lag, tail, trace.

Each module holds the work as plain functions (used by the tests and by the commands) and
registers its Typer commands through `register(app)`.
"""
