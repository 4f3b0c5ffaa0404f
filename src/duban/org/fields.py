"""A model field whose value is stored encrypted with SM4-GCM (duban.crypto).

For personal data (手机号): 等保 8.1.4.8 / GB/T 39786 §8.4e ask for confidentiality at
rest. The database holds `sm4gcm1:` + base64; a SELECT shows no plaintext. The field key
lives outside the database (DUBAN_FIELD_KEY or DUBAN_DATA/field_key). Each value gets a
fresh nonce, so the column cannot be searched or filtered by value: look people up by
name or username, never by phone number.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from duban.crypto import PREFIX, decrypt_field, encrypt_field


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt_field(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, "") or str(value).startswith(PREFIX):
            return value
        return encrypt_field(str(value))
