"""Event payload models, one module per topic's writer."""
