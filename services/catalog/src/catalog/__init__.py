"""Stockpath catalog service."""
