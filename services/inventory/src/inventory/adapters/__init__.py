"""Adapters: the tables and the repositories, the only code that speaks SQL."""
