"""A typed async client for the council hub's counsellors' API (casefile, referral) and the
caseload import. See the package README."""

from hub_client.caseload import ImportReport, RowProblem, import_caseload
from hub_client.client import HubClient, new_idempotency_key
from hub_client.errors import HubError, HubUnreachableError
from hub_client.retry import RetryPolicy
from hub_client.sync import HubClientSync

__all__ = [
    "HubClient",
    "HubClientSync",
    "HubError",
    "HubUnreachableError",
    "ImportReport",
    "RetryPolicy",
    "RowProblem",
    "import_caseload",
    "new_idempotency_key",
]
