"""Stockpath registration service: sellers register catalog items for fulfillment and listing
(eligibility, size tier, FNSKU) and get inbound shipment plans (FC, ship-to address, FNSKUs)
before any sale; inventory events then move each shipment through RECEIVING to CLOSED."""
