"""The indicator list and page, and adding, correcting and deleting measurements."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Measurement
from initiatives.models import AuditEntry

pytestmark = pytest.mark.django_db


def add(client, indicator, htmx=False, **data):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("measurement_add", args=[indicator.pk]), data, **extra)


def test_list_shows_latest_value_target_and_track_in_words(editor_client, plan, indicator):
    Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=Decimal("18.5"))
    html = editor_client.get(reverse("indicator_list", args=[plan.slug])).content.decode()
    assert "Borgere i job" in html
    assert "18,5" in html and ">20<" in html.replace("\n", "").replace(" ", "")
    assert "På sporet" in html  # 18.5 is past the straight line from 10 (2024) to 20 (2026)


def test_measurement_shows_in_chart_and_table_without_javascript(editor_client, indicator):
    response = add(editor_client, indicator, period="primo", year="2025", value="12,5", note="Første tal")
    assert response.status_code == 302
    page = editor_client.get(indicator.get_absolute_url()).content.decode()
    assert "Målingen for Primo 2025 er gemt." in page
    assert "<title>Primo 2025: 12,5</title>" in page  # the chart's point
    assert '<th scope="row" class="weight-normal">Primo 2025</th>' in page  # the table's row
    assert "Første tal" in page
    measurement = Measurement.objects.get(indicator=indicator)
    assert measurement.date == datetime.date(2025, 1, 1) and measurement.value == Decimal("12.5")


def test_htmx_add_answers_with_the_chart_and_table_fragment(editor_client, indicator):
    response = add(editor_client, indicator, htmx=True, period="date", date="2025-03-31", value="14")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="measurements"') and "<svg" in html
    assert "<title>31. marts 2025: 14</title>" in html


def test_chart_has_a_text_alternative_and_a_data_table(editor_client, indicator):
    for date, value in [(datetime.date(2024, 6, 30), 11), (datetime.date(2025, 6, 30), 15)]:
        Measurement.objects.create(indicator=indicator, date=date, value=value)
    html = editor_client.get(indicator.get_absolute_url()).content.decode()
    chart_id = f"indicator-chart-{indicator.pk}"
    assert f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    assert f'<title id="{chart_id}-title">Borgere i job (antal)</title>' in html
    assert "Målinger: 30. juni 2024: 11; 30. juni 2025: 15. Mål: 20. Udgangspunkt: 10." in html
    assert "<caption>Målinger: Borgere i job (antal)</caption>" in html


@pytest.mark.parametrize("data, field_message", [
    ({"period": "date", "date": "2023-12-31", "value": "5"}, "Målingen skal ligge i planens periode (2024–2026)."),
    ({"period": "ultimo", "year": "2030", "value": "5"}, "Målingen skal ligge i planens periode (2024–2026)."),
    ({"period": "date", "date": "2025-01-01", "value": "mange"}, "Værdien skal være et tal, fx 12 eller 12,5."),
    ({"period": "date", "date": "2025-06-30", "value": "5"}, "Der findes allerede en måling for 30. juni 2025."),
    ({"period": "date", "value": "5"}, "Udfyld datoen."),
    ({"period": "q2", "value": "5"}, "Udfyld året for perioden."),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_measurements_get_a_danish_message_and_422(editor_client, indicator, data, field_message, htmx):
    Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=1)
    response = add(editor_client, indicator, htmx=htmx, **data)
    assert response.status_code == 422
    assert field_message in response.content.decode()
    assert Measurement.objects.filter(indicator=indicator).count() == 1


def test_correcting_a_measurement_is_versioned_and_audited(editor_client, indicator):
    measurement = Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=1)
    url = reverse("measurement_edit", args=[measurement.pk])
    form = editor_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert form.lstrip().startswith(f'<tr id="maaling-{measurement.pk}"')
    data = {"period": "date", "date": "2025-06-30", "value": "2", "version": measurement.version}
    assert editor_client.post(url, data).status_code == 302
    measurement.refresh_from_db()
    assert measurement.value == 2 and measurement.version == 2
    entry = AuditEntry.objects.filter(model="measurement", object_id=str(measurement.pk), action="update").get()
    assert entry.changes["value"] == ["1.0000", "2.0000"] and entry.user_name == "redaktoer"

    # The same old form again: someone (this user) saved since; refused with 409, input kept.
    stale = editor_client.post(url, {**data, "value": "3"})
    assert stale.status_code == 409
    assert "Din ændring er ikke gemt" in stale.content.decode() and 'value="3"' in stale.content.decode()
    measurement.refresh_from_db()
    assert measurement.value == 2
    stale_htmx = editor_client.post(url, {**data, "value": "3"}, HTTP_HX_REQUEST="true")
    assert stale_htmx.status_code == 409 and '<section id="measurements"' in stale_htmx.content.decode()


def test_deleting_a_measurement_is_audited(editor_client, indicator):
    measurement = Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=1)
    response = editor_client.post(reverse("measurement_delete", args=[measurement.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Målingen for 30. juni 2025 er slettet." in response.content.decode()
    assert not Measurement.objects.exists()
    assert AuditEntry.objects.filter(model="measurement", action="delete", plan_pk=indicator.plan_id).exists()


def test_pasted_series_is_written_all_or_nothing(editor_client, indicator):
    Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 1, 1), value=1)
    url = reverse("measurement_csv", args=[indicator.pk])
    bad = editor_client.post(url, {"text": "Tidspunkt;Værdi\nprimo 2025;2\n2. kvartal 2025;mange\nsnart;4\n"})
    html = bad.content.decode()
    assert bad.status_code == 422
    assert "Linje 3: »mange« er ikke et tal." in html
    assert "Linje 4: »snart« er hverken en dato eller en periode som »primo 2025«." in html
    outside = editor_client.post(url, {"text": "primo 2025;2\nultimo 2031;4", "version": 1}, HTTP_HX_REQUEST="true")
    assert outside.status_code == 422
    assert "Linje 2: Målingen skal ligge i planens periode (2024–2026)." in outside.content.decode()
    assert list(Measurement.objects.values_list("value", flat=True)) == [1]

    good = editor_client.post(url, {"text": "primo 2025;2\n2025 Q2;3,5;Foreløbigt\n31-12-2025\t4"})
    assert good.status_code == 422  # mixed delimiters: the tab row has no value after ";"-splitting
    good = editor_client.post(url, {"text": "primo 2025;2\n2025 Q2;3,5;Foreløbigt\n31-12-2025;1.004,5"})
    assert good.status_code == 302
    rows = list(Measurement.objects.order_by("date").values_list("date", "value", "period", "version"))
    assert rows == [(datetime.date(2025, 1, 1), Decimal(2), "primo", 2),
                    (datetime.date(2025, 6, 30), Decimal("3.5"), "q2", 1),
                    (datetime.date(2025, 12, 31), Decimal("1004.5"), "date", 1)]


def test_series_can_be_uploaded_as_a_csv_file(editor_client, indicator):
    upload = SimpleUploadedFile("serie.csv", "Dato,Værdi\n2024-06-30,11\n2024-12-31,12\n".encode("cp1252"))
    response = editor_client.post(reverse("measurement_csv", args=[indicator.pk]), {"file": upload},
                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Målingerne er gemt: 2 nye, 0 rettede." in response.content.decode()
    assert Measurement.objects.filter(indicator=indicator).count() == 2

    # The same file again changes nothing, and says so.
    upload.seek(0)
    response = editor_client.post(reverse("measurement_csv", args=[indicator.pk]), {"file": upload},
                                  HTTP_HX_REQUEST="true")
    assert "Intet at gemme: serien har de samme værdier som indikatorens målinger." in response.content.decode()
    assert Measurement.objects.filter(indicator=indicator).count() == 2


def test_empty_paste_gets_a_danish_message(editor_client, indicator):
    response = editor_client.post(reverse("measurement_csv", args=[indicator.pk]), {"text": "  "})
    assert response.status_code == 422 and "Indsæt målingerne eller vælg en CSV-fil." in response.content.decode()


def test_editor_creates_and_edits_an_indicator_with_links(editor_client, plan, directions, initiative):
    response = editor_client.post(reverse("indicator_create", args=[plan.slug]), {
        "name": "Ventetid", "unit": "dage", "good_direction": "down", "target_value": "30",
        "directions": [directions[1].pk], "initiatives": [initiative.pk]})
    assert response.status_code == 302
    indicator = plan.indicators.get()
    assert indicator.target_value == 30 and list(indicator.directions.all()) == [directions[1]]
    assert AuditEntry.objects.filter(model="indicatorinitiative", initiative_pk=initiative.pk).exists()
    duplicate = editor_client.post(reverse("indicator_create", args=[plan.slug]),
                                   {"name": "Ventetid", "good_direction": "down"})
    assert duplicate.status_code == 422
    assert "Der findes allerede en indikator med dette navn i planen." in duplicate.content.decode()
    edit = editor_client.post(reverse("indicator_edit", args=[indicator.pk]), {
        "name": "Ventetid", "good_direction": "down", "target_value": "mange", "version": 1})
    assert edit.status_code == 422 and "Værdien skal være et tal" in edit.content.decode()


def test_initiative_page_shows_its_indicators(editor_client, indicator, initiative):
    html = editor_client.get(initiative.get_absolute_url()).content.decode()
    assert f'<a href="{indicator.get_absolute_url()}">Borgere i job</a>' in html


def test_reader_sees_no_forms_and_may_not_add(client, reader, indicator):
    client.force_login(reader)
    assert "Tilføj måling" not in client.get(indicator.get_absolute_url()).content.decode()
    assert add(client, indicator, period="date", date="2025-01-01", value="1").status_code == 403
    assert not Measurement.objects.exists()


def test_without_measurements_the_page_shows_no_empty_chart(editor_client, indicator):
    html = editor_client.get(indicator.get_absolute_url()).content.decode()
    assert "Der er endnu ingen målinger." in html  # the table says it
    assert "<svg" not in html and "Prikkerne er målinger" not in html
    assert "Vælg »Dato« og udfyld datoen" in html  # the option's name quoted, not a capital inside the sentence


def test_history_is_this_indicators_not_one_whose_name_starts_the_same(editor_client, plan, indicator):
    from indicators.models import Indicator

    other = Indicator.objects.create(plan=plan, name="Borgere i job efter et år", unit="antal")
    Measurement.objects.create(indicator=other, date=datetime.date(2025, 6, 30), value=3)
    Measurement.objects.create(indicator=indicator, date=datetime.date(2025, 6, 30), value=12)
    html = editor_client.get(indicator.get_absolute_url()).content.decode()
    history = html[html.index("Hvem ændrede hvad og hvornår"):]
    assert "Indikator oprettet: Borgere i job<" in history and "Måling oprettet: Borgere i job: " in history
    assert "efter et år" not in history


def test_an_owner_measures_the_indicators_of_their_own_initiative_but_does_not_edit_them(client, owner, other_owner,
                                                                                         indicator):
    """Owners (tovholdere) report on their initiatives, so they add, correct and delete the
    measurements of the indicators linked to them; the indicator itself stays the editors'."""
    client.force_login(owner)
    page = client.get(indicator.get_absolute_url()).content.decode()
    assert "Tilføj måling" in page and "Redigér indikatoren" not in page
    assert add(client, indicator, period="date", date="2025-01-01", value="11").status_code == 302
    measurement = Measurement.objects.get(indicator=indicator)
    assert measurement.author == owner
    assert AuditEntry.objects.filter(model="measurement", object_id=str(measurement.pk), user=owner).exists()
    response = client.post(reverse("measurement_edit", args=[measurement.pk]),
                           {"period": "date", "date": "2025-01-01", "value": "12", "note": "", "version": 1})
    assert response.status_code == 302 and Measurement.objects.get(pk=measurement.pk).value == 12
    assert client.get(reverse("indicator_edit", args=[indicator.pk])).status_code == 403

    # The owner of another initiative may read the indicator, not write its measurements.
    client.force_login(other_owner)
    assert "Tilføj måling" not in client.get(indicator.get_absolute_url()).content.decode()
    assert add(client, indicator, period="date", date="2025-06-30", value="13").status_code == 403
    assert client.post(reverse("measurement_delete", args=[measurement.pk])).status_code == 403
    assert Measurement.objects.filter(indicator=indicator).count() == 1


@pytest.mark.parametrize("field", ["directions", "initiatives"])
@pytest.mark.parametrize("pk", [str(2**63), "9" * 20, "-1"])
def test_ids_beyond_the_database_in_the_indicator_form_get_a_danish_message(editor_client, plan, field, pk):
    response = editor_client.post(reverse("indicator_create", args=[plan.slug]),
                                  {"name": "Ventetid", "good_direction": "down", field: [pk]})
    assert response.status_code == 422
    assert not plan.indicators.exists()
