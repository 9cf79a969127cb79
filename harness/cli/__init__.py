"""The terminal front end: the `noteproof` command and its rendering with rich."""
