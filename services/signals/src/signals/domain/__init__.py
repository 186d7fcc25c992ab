"""Pure rules of the signals service: no I/O, no async, no framework imports."""
