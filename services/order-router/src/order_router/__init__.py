"""Stockpath order-router service: claim step 7 — when an order for a listed item arrives,
validate it, choose the fulfillment center, reserve stock and instruct the FC to ship."""
