"""The one domain error the services raise; shells turn it into a form error, a message or a 400."""

from django.core.exceptions import ValidationError


class DealError(ValidationError):
    """A refused action, with messages keyed by the field (or '__all__') they concern."""

    def __init__(self, errors: dict[str, list[str] | str], code: str = "invalid"):
        normalised = {k: [v] if isinstance(v, str) else list(v) for k, v in errors.items()}
        super().__init__(normalised, code=code)
        self.code = code


class StaleDecision(DealError):
    def __init__(self, message: str):
        super().__init__({"__all__": [message]}, code="stale")
