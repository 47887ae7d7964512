"""Choice labels looked up once per language.

`get_FIELD_display()` hashes every (lazy) choice label on every call, which translates each
of them again: on a direction page with a hundred activities, or an import writing twelve
thousand, that was most of the time. These helpers translate a field's choices once per
language and process.
"""

import functools

from django.utils.translation import get_language


@functools.cache
def _labels(model, name: str, language: str) -> dict:
    return {value: str(label) for value, label in model._meta.get_field(name).flatchoices}


def choice_label(obj, name: str) -> str:
    """What `obj.get_<name>_display()` returns, without translating every choice each time."""
    value = getattr(obj, name)
    return choice_labels(obj, name).get(value, value)


def choice_labels(model, name: str) -> dict:
    """value → label of a field's choices in the active language (translated once)."""
    return _labels(model._meta.concrete_model, name, get_language())
