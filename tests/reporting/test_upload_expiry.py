"""A checked upload waits for its confirmation for PENDING_MAX_AGE, then expires."""

import os
import time
from pathlib import Path

import pytest
from django.urls import reverse

from reporting.exchange.views import PENDING_MAX_AGE
from tests.reporting.test_excel_import import db_state, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_upload_dir(settings, tmp_path):
    settings.EXCEL_IMPORT_DIR = str(tmp_path / "pending")


@pytest.mark.parametrize("waited, expired", [(PENDING_MAX_AGE - 60, False), (PENDING_MAX_AGE + 60, True)])
def test_an_upload_waiting_for_confirmation_expires(client, editor, initiative, settings, waited, expired):
    client.force_login(editor)
    token = upload(client).context["token"]
    before = db_state()
    # The upload was made `waited` seconds ago (the waiting file's age is what counts).
    waiting = list(Path(settings.EXCEL_IMPORT_DIR).iterdir())
    assert {path.suffix for path in waiting} == {".xlsx", ".json", ".checked"}  # the file, its state, the check
    then = time.time() - waited
    for path in waiting:
        os.utime(path, (then, then))
    response = client.post(reverse("plan_import_confirm", args=["testplan"]), {"token": token})
    if expired:
        assert response.status_code == 400
        assert "Forhåndsvisningen er udløbet" in response.content.decode()
        assert db_state() == before
    else:
        assert response.status_code == 302
        client.get(response["Location"])
        assert db_state() != before
