"""Runs: (spec x device) planned, sent to the warm worker, and concluded. The parent side; no torch."""
