"""History: every run and its outcomes in SQLite; the one source every front end reads."""
