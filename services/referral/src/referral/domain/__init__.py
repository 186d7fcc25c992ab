"""Pure rules of the referral service: no I/O, no async, no framework imports."""
