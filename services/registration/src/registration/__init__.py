"""Stockpath registration service."""
