"""Notes: a markdown note -> its code blocks, each with its line -> the claims its author wrote. Pure Python."""
