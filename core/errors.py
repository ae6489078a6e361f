"""The one domain error every service raises; each shell maps it once (admin message, form error,
page error, the API's error body)."""

from collections.abc import Mapping
from http import HTTPStatus

from django.core.exceptions import ValidationError

# A refusal's code decides its HTTP status; any other code is a 400.
STATUS_BY_CODE = {
    "forbidden": HTTPStatus.FORBIDDEN,
    "not_found": HTTPStatus.NOT_FOUND,
    "stale": HTTPStatus.CONFLICT,
    "invalid_transition": HTTPStatus.CONFLICT,
    "conflict": HTTPStatus.CONFLICT,
    # The deal's gates do not hold yet (evidence, cost lines...): its state, not the request.
    "not_ready": HTTPStatus.CONFLICT,
}


class DomainError(ValidationError):
    """A refused action: a stable code, messages keyed by the field (or '__all__') they concern,
    and the HTTP status the code stands for."""

    code: str  # always set (ValidationError's may be None)

    def __init__(self, errors: Mapping[str, list[str] | str], code: str = "invalid") -> None:
        normalised = {k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()}
        super().__init__(normalised, code=code)
        self.code = code

    @property
    def status(self) -> HTTPStatus:
        return STATUS_BY_CODE.get(self.code, HTTPStatus.BAD_REQUEST)

    @classmethod
    def from_validation(cls, error: ValidationError, code: str = "invalid") -> "DomainError":
        """A model's own validation (full_clean) as the domain error, field by field."""
        if isinstance(error, DomainError):
            return error
        if hasattr(error, "error_dict"):
            return cls(error.message_dict, code=getattr(error, "code", None) or code)
        return cls({"__all__": error.messages}, code=getattr(error, "code", None) or code)
