"""The pricing and margin engine: plain functions over plain data, no Django inside."""

from .costs import token_cost
from .money import EngineInputError
from .quote import (
    ENGINE_VERSION,
    canonical_json,
    compute_quote,
    compute_quotes,
    quote_hash,
    quote_input_from_primitive,
    to_primitive,
    validate,
)
from .types import *  # noqa: F403

__all__ = [
    "ENGINE_VERSION",
    "EngineInputError",
    "canonical_json",
    "compute_quote",
    "compute_quotes",
    "quote_hash",
    "quote_input_from_primitive",
    "to_primitive",
    "token_cost",
    "validate",
]
