"""All SQL of signals, split by what it serves: `postgres_door` (what events write) and
`postgres_releases` (what publishing writes). `protocols` declares what handlers rely on; the
in-memory fakes in `signals.fakes` keep the same Protocols."""
