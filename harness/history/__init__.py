"""History: every run and its outcomes in SQLite; the one source every front end reads.

    History.open_writer(path)   create or upgrade; marks runs whose process died `interrupted` (== History(path))
    History.open_reader(path)   never writes; HistoryError for a missing, empty, corrupt or newer-schema file
    runs / run / latest_run / previous_run           RunRecord, filtered by kind ("run", "audit", "bench") and covers
    outcomes / outcome / latest_outcomes / spec_ids  Outcome, filtered by status and device
    example_history(spec_id)    ExampleRun per run, newest first; an audited block followed by its content hash
    diff(old, new)              RunDiff: new_failures, fixed, changed, slower, added, removed (RowChange each)
    save_baseline / baseline / baselines             named runs

store.py opens and queries; schema.py migrates; diff.py compares (pure); records.py holds the records.
"""
