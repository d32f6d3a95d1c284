"""Validate input at the boundary: a pydantic model or a mapping in, the model or a one-line InvalidInput out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from comanage_tui.data.errors import InvalidInput

if TYPE_CHECKING:
    from pydantic import BaseModel


def validate(model: type[BaseModel], data: Mapping[str, Any] | BaseModel) -> Any:
    """Validate input at the boundary, turning pydantic's error into a one-line InvalidInput."""
    from pydantic import BaseModel, ValidationError

    if isinstance(data, model):
        return data
    try:
        raw = data.model_dump() if isinstance(data, BaseModel) else dict(data)
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc) from None
