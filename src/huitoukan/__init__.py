"""回头看 (Huitoukan): registry, look-back and problem ledger for county poverty-alleviation offices."""

__version__ = "0.1.0"
