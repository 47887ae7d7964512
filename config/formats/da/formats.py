"""The portal's one Danish date format (docs/sprog.md): "1. december 2026" and
"1. december 2026 kl. 08.51"; month names always from Django's "F" (lower case), never
the abbreviations, whose case differs in Django's Danish catalogue. Dates are typed
as dd-mm-åååå (the form the Excel guide uses); ISO dates from date pickers also work."""

DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = r"j. F Y \k\l. H.i"
TIME_FORMAT = "H.i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = r"d-m-Y \k\l. H.i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
