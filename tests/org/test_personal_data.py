"""Personal data at rest (issue 17 point 5; 等保 8.1.4.8, GB/T 39786 §8.4e): SM4."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from duban import crypto
from duban.org.loader import load
from duban.org.models import User
from tests.conftest import SMALL_COUNTY


@pytest.mark.django_db
def test_a_phone_number_is_stored_encrypted_and_read_back(settings: Any) -> None:
    county = copy.deepcopy(SMALL_COUNTY)
    county["users"][3]["phone"] = "13907310001"  # amy
    load(county)
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM org_user WHERE username = %s", ["amy"])
        raw = cur.fetchone()[0]
    assert raw.startswith("sm4gcm1:") and "13907310001" not in raw
    assert User.objects.get(username="amy").phone == "13907310001"
    # A fresh nonce each time: the same number does not give the same ciphertext.
    assert crypto.encrypt_field("13907310001") != crypto.encrypt_field("13907310001")
    key = Path(settings.DATA_DIR) / "field_key"
    assert key.exists() and oct(key.stat().st_mode)[-3:] == "600"


def test_a_changed_ciphertext_is_refused_not_misread() -> None:
    from cryptography.exceptions import InvalidTag

    stored = crypto.encrypt_field("13907310001")
    flipped = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with pytest.raises(InvalidTag):
        crypto.decrypt_field(flipped)


def test_the_sm3_and_sm4_known_answers() -> None:
    assert crypto.self_test() == []
