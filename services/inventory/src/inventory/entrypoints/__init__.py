"""The edges: HTTP routes and the worker's subscriptions, translating wire formats into use cases."""
