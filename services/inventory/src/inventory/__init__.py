"""Stockpath inventory service."""
