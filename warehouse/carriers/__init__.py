"""Carriers: proposing the cheapest service that meets an order's priority, issuing waybills
through an adapter, and the shipment record. See ``services`` for the write path."""
