"""Optimistic locking for the portal's edit forms: a form carries the version it was loaded
at, and a save of an older version is refused (StaleEdit) instead of silently overwriting a
newer one. Here, below every app that edits (masterplan's directions, initiatives, rounds,
reports, indicators), so each can use it."""

from django.db import IntegrityError, models, transaction
from django.forms.models import construct_instance


class StaleEdit(Exception):
    """Someone saved the object after the editor loaded it; `current` is what they saved."""

    def __init__(self, current):
        super().__init__(f"{current!r} changed since it was loaded")
        self.current = current

    def rebound(self, make_form, data):
        """The editor's form again, with their input, at the version the other person saved."""
        data = data.copy()
        data["version"] = self.current.version
        form = make_form(data, instance=self.current)
        form.is_valid()
        return form


class Versioned(models.Model):
    """Optimistic locking: a form carries the version it was loaded at, and a save of
    an older version is refused instead of silently overwriting the newer one."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def lock(cls, pk, expected_version: int):
        """The row, locked until the end of the transaction; StaleEdit if it moved on."""
        current = cls._default_manager.select_for_update().get(pk=pk)
        if current.version != expected_version:
            raise StaleEdit(current)
        return current

    def save_next_version(self):
        self.full_clean()
        self.version += 1
        self.save()

    @classmethod
    def apply(cls, form):
        """Save a valid ModelForm of this model as the next version: the one stale-edit rule.

        The row is locked and compared with the version the form was loaded at
        (`form.cleaned_data["version"]`); StaleEdit if someone saved it since. A form
        for a row nobody has saved yet is its first save; if another first save of the
        same row won the race (a unique constraint says so), StaleEdit with theirs.
        """
        instance = form.instance
        try:
            with transaction.atomic():
                if instance._state.adding:
                    return form.save()
                current = cls.lock(instance.pk, form.cleaned_data.get("version") or 0)
                # As a ModelForm fills its instance: a field the POST left out that has a
                # default keeps its value (an edit page from before a field was added).
                construct_instance(form, current, form._meta.fields)
                current.save_next_version()
                return current
        except IntegrityError:
            winner = instance.first_save_winner() if instance._state.adding else None
            if winner is None:
                raise
            raise StaleEdit(winner) from None

    def first_save_winner(self):
        """The row that another first save of this object wrote (see `apply`), if any."""
        return None
