"""comanage: a keyboard-driven terminal dashboard for co-managed IT."""

__version__ = "0.1.0"
