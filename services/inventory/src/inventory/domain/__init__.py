"""The inventory domain, no I/O: one module per aggregate (stock and its ledger, inbound shipments,
receipts, discrepancies, adjustments, fulfillment orders), the commands and the errors."""
