"""Audit: a note read as written: each block run, its bugs found and fixed, every claim judged."""
