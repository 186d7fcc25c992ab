"""The 422's reasons (`hub_runtime.http`): the hub's sentences for pydantic's validation errors,
written once in `hub_contracts.validation_reasons` so that a dead letter's cause
(`hub_contracts.errors`) says the same as the HTTP edge."""

from hub_contracts.validation_reasons import UNKNOWN_FIELD, validation_reasons

__all__ = ["UNKNOWN_FIELD", "validation_reasons"]
