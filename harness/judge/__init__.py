"""Judge: an observation and the expectations -> checks -> an outcome. Pure Python, no torch."""
