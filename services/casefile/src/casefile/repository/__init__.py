"""All SQL of casefile, one module per aggregate; each class works on the connection of the
unit of work that holds it (`casefile.unit_of_work.CasefileUnitOfWork`), in its transaction.

The interfaces handlers rely on are the Protocols of `casefile.repository.protocols`; the
in-memory fakes of `casefile.fakes` implement the same ones, and
``tests/unit/test_repository_contract.py`` runs one suite on both.
"""
