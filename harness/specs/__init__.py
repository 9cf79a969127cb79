"""Specs: TOML spec files -> validated, resolved specs, or errors naming file and line. Pure Python."""
