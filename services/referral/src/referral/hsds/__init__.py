"""The partner directory in Open Referral HSDS 3.0 (https://docs.openreferral.org/en/v3.0/).

- `schema`: the vendored official schemas (``schema/``, README there) and validation against
  them, with reasons that never echo the input;
- `taxonomy`: the hub's own taxonomy, whose terms carry the directory's fields HSDS has no
  field for (kind, countries, purposes, data categories, standing) as HSDS ``attributes``;
- `export`: a directory entry as an HSDS ``organization`` with its ``services``;
- `importing`: an HSDS organization as what the import handler may take from it.
"""
