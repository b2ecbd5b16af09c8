"""Stockpath listing service."""
