"""Bench: timing figures of note examples, baselines, and regression verdicts that respect the spread.

Torch-free: the timing itself happens in the Runner's isolated children; this package only reads the
`Timing` records they produce (harness.judge.outcome) and judges them.
"""
