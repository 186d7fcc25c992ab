"""Pure rules of the casefile: no I/O, no async, no framework."""
