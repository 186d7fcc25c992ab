"""`make bench`: end-to-end, per-consumer and memory figures of the hub on the real stack."""
