"""The evidence and performed-work refusals: a DomainError, so every shell already handles them."""

from __future__ import annotations

from core.errors import DomainError


class ProofError(DomainError):
    pass


class IngestError(ProofError):
    """A refused batch; `problems` lists (record index, field, message) for every bad value."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        self.problems = problems
        errors: dict[str, list[str]] = {}
        for index, field, message in problems:
            errors.setdefault(f"records[{index}].{field}", []).append(message)
        super().__init__(errors, code="invalid_records")


class IngestConflict(ProofError):
    def __init__(self, message: str):
        super().__init__({"key": [message]}, code="conflict")
