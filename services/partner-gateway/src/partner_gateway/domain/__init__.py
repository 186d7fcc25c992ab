"""Pure rules of the gateway: no I/O, no async, no framework imports."""
