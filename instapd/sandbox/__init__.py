"""A local server that speaks the Instagram Graph API with realistic seeded data."""

from .faults import FAULT_KINDS, Faults
from .server import Sandbox

__all__ = ["FAULT_KINDS", "Faults", "Sandbox"]
