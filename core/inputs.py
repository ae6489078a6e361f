"""What any text or number typed into the application must be, whichever door it comes in by.

One rule each, shared by the API (`core.api`: its JSON parser and serializer fields), the pages'
forms and the admin's own views:

- text holds no control character but tab, newline and carriage return (PostgreSQL refuses a NUL
  byte with an error, the others are invisible and corrupt exports);
- a number is written in ASCII: an optional sign, digits and an optional point with digits.
  Python's `int()` and `Decimal()` also take "١٢", "１２", "²", "1_000" and " 5 ", which nobody
  typing a figure means;
- free text (notes, comments, reasons, rollback paths) is at most `FREE_TEXT_MAX_CHARS` long.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models

FREE_TEXT_MAX_CHARS = 10_000

# C0 controls (and DEL is not one of them) but tab, newline and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")

CONTROL_CHARACTERS_MESSAGE = "Control characters (such as NUL) are not allowed; tab and new lines are."


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def refuse_control_characters(value) -> None:
    """A validator (model, form or serializer field): text without control characters."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def is_number(text: str) -> bool:
    return NUMBER.fullmatch(text) is not None


def parse_decimal(text: str) -> Decimal:
    """A Decimal from `[+-]digits[.digits]` in ASCII; ValueError for anything else."""
    if not (isinstance(text, str) and is_number(text)):
        raise ValueError(f"Not a number: {text!r:.40}")
    return Decimal(text)


def parse_int(text: str) -> int:
    """An int from `[+-]digits` in ASCII; ValueError for anything else (e.g. "²", "1_000", " 5")."""
    if not (isinstance(text, str) and is_number(text) and "." not in text):
        raise ValueError(f"Not a whole number: {text!r:.40}")
    return int(text)


def without_null_validator(validators: list) -> list:
    """The field's validators with Django's NUL-only check replaced by the control-character one."""
    kept = [v for v in validators if not isinstance(v, ProhibitNullCharactersValidator)]
    return [*kept, refuse_control_characters]


def free_text_field(*, max_length: int = FREE_TEXT_MAX_CHARS, **kwargs) -> models.TextField:
    """A model's free text: the length and control-character rules as the model's own
    validators, so every ModelForm (the admin's included) and every `full_clean` applies them."""
    validators = [MaxLengthValidator(max_length), refuse_control_characters]
    return models.TextField(max_length=max_length, validators=validators, **kwargs)


# Form fields for the pages and the admin's own views.


class TextField(forms.CharField):
    """Text without control characters; at most `FREE_TEXT_MAX_CHARS` unless told otherwise."""

    def __init__(self, *, max_length: int | None = FREE_TEXT_MAX_CHARS, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators = without_null_validator(self.validators)


class StrictNumberMixin:
    """A typed string is a number only as `is_number` says; Django would take "١٢" or " 5 "."""

    def to_python(self, value):
        if isinstance(value, str) and value not in self.empty_values and not is_number(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerField(StrictNumberMixin, forms.IntegerField):
    pass


class DecimalField(StrictNumberMixin, forms.DecimalField):
    pass
