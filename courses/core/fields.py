"""Model fields that store text NFC-normalised, whichever way it reaches the database
(save, bulk_create, update, or a lookup value)."""

from django.db import models

from .text import nfc


class NFCMixin:
    def to_python(self, value):
        return nfc(super().to_python(value))

    def get_prep_value(self, value):
        return nfc(super().get_prep_value(value))


class NFCCharField(NFCMixin, models.CharField):
    pass


class NFCTextField(NFCMixin, models.TextField):
    pass
