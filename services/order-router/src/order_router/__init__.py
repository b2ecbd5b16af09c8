"""Stockpath order-router service."""
