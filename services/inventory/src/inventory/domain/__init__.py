"""The inventory domain: buckets, ledger movements, inbound shipments and the commands on them."""
