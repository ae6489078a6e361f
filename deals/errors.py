"""The refusals particular to deals, as the one domain error."""

from core.errors import DomainError


class StaleDecision(DomainError):
    def __init__(self, message: str):
        super().__init__({"__all__": [message]}, code="stale")
