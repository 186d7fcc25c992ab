"""The hub as a whole: run in one process (tests, benchmarks), driven like a counsellor."""
