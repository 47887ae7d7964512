"""The indicators of a plan (or of one direction) as the dashboard reads them: each
with its summary, counted by track and overdue, in a fixed number of queries
whatever the plan's size."""

from django.db.models import Q

from . import charts
from .models import Indicator, Track

ATTENTION_LIMIT = 20


def indicators_for(plan, direction=None):
    """The plan's indicators; with a direction, those linked to it or to one of its initiatives."""
    queryset = Indicator.objects.filter(plan=plan)
    if direction is not None:
        queryset = queryset.filter(Q(direction_links__direction=direction)
                                   | Q(initiative_links__initiative__direction=direction)).distinct()
    return queryset


def overview(plan, direction=None, today=None) -> dict:
    """Counts per track, the overdue ones, and the rows that need attention (off
    track or overdue), for the dashboard's "Indikatorer" section."""
    rows = [charts.summary(indicator, plan, today=today)
            for indicator in indicators_for(plan, direction).with_latest()]
    counts = {track: 0 for track in Track.values}
    for row in rows:
        counts[row["track"]] += 1
    attention = [row for row in rows if row["track"] == Track.OFF_TRACK or row["overdue"]]
    return {
        "total": len(rows),
        "reached": counts[Track.REACHED], "on_track": counts[Track.ON_TRACK], "off_track": counts[Track.OFF_TRACK],
        "overdue": sum(1 for row in rows if row["overdue"]),
        "by_track": [{"track": track, "label": Track(track).label, "count": counts[track]} for track in Track.values],
        "attention": attention[:ATTENTION_LIMIT], "attention_total": len(attention),
    }

