"""Mail sending in the background (Django's tasks framework, run by `db_worker`).

Web actions that make a mail due (opening a round, sending a request back, the
last request coming in) only enqueue `send_due_mails`; the daily `send_reminders`
runs the same function. It is idempotent, so running it more often is harmless.
"""

from django.db import transaction
from django.tasks import task


@task()
def send_due_mails(today: str | None = None) -> int:
    import datetime

    from .mails import send_due

    return send_due(datetime.date.fromisoformat(today) if today else None)


def send_mails_soon() -> None:
    """After the current transaction commits, send whatever has become due."""
    transaction.on_commit(lambda: send_due_mails.enqueue())
