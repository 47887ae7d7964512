"""The fixed vocabularies of initiatives and activities: status, phase, period.

Kept apart from the models so that models.py stays readable; import them from
`initiatives.models` as before (it re-exports them).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Ikke vurderet")
    NOT_STARTED = "not_started", _("Ikke startet")
    ON_TRACK = "on_track", _("I gang – på sporet")
    AT_RISK = "at_risk", _("I gang – risiko")
    DELAYED = "delayed", _("Forsinket/kritisk")
    DONE = "done", _("Afsluttet")
    PAUSED = "paused", _("Sat på pause")


class Phase(models.TextChoices):
    NONE = "", _("Ikke angivet")
    PLANNING = "planning", _("Planlægning")
    DEVELOPMENT = "development", _("Udvikling")
    IMPLEMENTATION = "implementation", _("Implementering")
    ANCHORING = "anchoring", _("Forankring")
    OPERATION = "operation", _("Drift")


class Period(models.TextChoices):
    YEAR = "year", _("Hele året")
    H1 = "h1", _("1. halvår")
    H2 = "h2", _("2. halvår")
    Q1 = "q1", _("1. kvartal")
    Q2 = "q2", _("2. kvartal")
    Q3 = "q3", _("3. kvartal")
    Q4 = "q4", _("4. kvartal")
    M01 = "m01", _("Januar")
    M02 = "m02", _("Februar")
    M03 = "m03", _("Marts")
    M04 = "m04", _("April")
    M05 = "m05", _("Maj")
    M06 = "m06", _("Juni")
    M07 = "m07", _("Juli")
    M08 = "m08", _("August")
    M09 = "m09", _("September")
    M10 = "m10", _("Oktober")
    M11 = "m11", _("November")
    M12 = "m12", _("December")
