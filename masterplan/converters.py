"""URL converters that range-check numbers before they reach the database.

Django's `int` converter takes any number of digits, and a primary key beyond 64
bits, a year with twenty digits or a direction number beyond its column then fails
inside the database driver (a 500 on SQLite). These match only values their columns
can hold; anything else is no match, so the Danish 404 page.
"""

from django.urls import register_converter


class BoundedInt:
    regex = "[0-9]+"
    maximum = 2**63 - 1  # BigAutoField

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= self.maximum:
            raise ValueError(value)  # no match: 404
        return number

    def to_url(self, value) -> str:
        return str(value)


class IdConverter(BoundedInt):
    """A primary key: 1 … 2⁶³−1."""

    regex = "[0-9]{1,19}"


class YearConverter(BoundedInt):
    """A year as the plans store it (four digits; the plan's period is checked by the view)."""

    regex = "[0-9]{4}"


class NumberConverter(BoundedInt):
    """A small positive number, such as a direction's (PositiveSmallIntegerField)."""

    regex = "[0-9]{1,5}"
    maximum = 32767


register_converter(IdConverter, "id")
register_converter(YearConverter, "year")
register_converter(NumberConverter, "number")
