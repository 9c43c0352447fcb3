"""The inventory: YAML files -> validated, frozen model (see docs/inventory.md)."""

from provisioner.inventory.load import load_inventory

__all__ = ["load_inventory"]
