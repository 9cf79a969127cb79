"""Sandbox: the code that runs inside the worker and the example's child. The only place that imports torch."""
