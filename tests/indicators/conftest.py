import datetime
from decimal import Decimal

import pytest

from indicators.models import Indicator
from tests.reporting.conftest import immediate_tasks  # noqa: F401 (autouse: imports and renders run at once)


@pytest.fixture
def indicator(plan, directions, initiative):
    indicator = Indicator.objects.create(
        plan=plan, name="Borgere i job", unit="antal", source="egen optælling",
        baseline_value=Decimal(10), baseline_date=datetime.date(2024, 1, 1),
        target_value=Decimal(20), target_date=datetime.date(2026, 12, 31), frequency="half_yearly",
    )
    indicator.set_links([directions[0]], [initiative])
    return indicator


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
