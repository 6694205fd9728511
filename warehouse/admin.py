"""Warehouse admin. Carriers, rates and shipments: ``warehouse.carriers.admin``."""

from warehouse.carriers import admin as carriers_admin  # noqa: F401  (registers the model admins)
