"""Personas and a small county for tests (STYLE.md rule 9).

alice   supervisor (督查室)            lily    county leader, in charge of unit A's line
amy     liaison of unit A (县发改局)   adam    unit head of unit A
bob     liaison of unit B (县财政局)   carl    liaison of unit C (城关镇), a township
sam     sysadmin                        aud     auditor
sec     secadmin
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from duban.org.loader import load
from duban.org.models import Leader, Unit, User

SH = ZoneInfo("Asia/Shanghai")

SMALL_COUNTY: dict[str, Any] = {
    "units": [
        {
            "code": "dcs",
            "name": "县政府办公室督查室",
            "short": "督查室",
            "kind": "section",
            "__line__": 1,
        },
        {
            "code": "fgj",
            "name": "县发展和改革局",
            "short": "县发改局",
            "kind": "department",
            "aliases": ["发改局"],
            "__line__": 2,
        },
        {
            "code": "czj",
            "name": "县财政局",
            "short": "县财政局",
            "kind": "department",
            "__line__": 3,
        },
        {
            "code": "cgz",
            "name": "城关镇人民政府",
            "short": "城关镇",
            "kind": "township",
            "__line__": 4,
        },
        {
            "code": "xhx",
            "name": "新华乡人民政府",
            "short": "新华乡",
            "kind": "township",
            "__line__": 5,
        },
    ],
    "groups": [
        {"name": "各乡镇人民政府", "members": ["cgz", "xhx"], "__line__": 10},
    ],
    "leaders": [
        {
            "code": "lily",
            "name": "李丽",
            "title": "副县长",
            "units": ["fgj", "czj"],
            "__line__": 20,
        },
        {"code": "wang", "name": "王刚", "title": "副县长", "units": ["cgz"], "__line__": 21},
    ],
    "users": [
        {"username": "alice", "name": "艾丽", "role": "supervisor", "unit": "dcs", "__line__": 30},
        {"username": "lily", "name": "李丽", "role": "leader", "leader": "lily", "__line__": 31},
        {"username": "wang", "name": "王刚", "role": "leader", "leader": "wang", "__line__": 32},
        {"username": "amy", "name": "安梅", "role": "liaison", "unit": "fgj", "__line__": 33},
        {"username": "adam", "name": "安达", "role": "unit_head", "unit": "fgj", "__line__": 34},
        {"username": "bob", "name": "鲍勃", "role": "liaison", "unit": "czj", "__line__": 35},
        {"username": "carl", "name": "陈卡", "role": "liaison", "unit": "cgz", "__line__": 36},
        {"username": "sam", "name": "沈默", "role": "sysadmin", "unit": "dcs", "__line__": 37},
        {"username": "aud", "name": "欧迪", "role": "auditor", "unit": "dcs", "__line__": 38},
        {"username": "sec", "name": "史安", "role": "secadmin", "unit": "dcs", "__line__": 39},
    ],
}


def at(text: str) -> datetime:
    """A Shanghai time from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=SH)


class County:
    def __init__(self) -> None:
        users = {u.username: u for u in User.objects.all()}
        self.alice, self.lily, self.wang = users["alice"], users["lily"], users["wang"]
        self.amy, self.adam, self.bob = users["amy"], users["adam"], users["bob"]
        self.carl, self.sam, self.aud = users["carl"], users["sam"], users["aud"]
        self.sec = users["sec"]
        units = {u.code: u for u in Unit.objects.all()}
        self.a, self.b, self.c, self.d = units["fgj"], units["czj"], units["cgz"], units["xhx"]
        self.leader_lily = Leader.objects.get(code="lily")
        self.leader_wang = Leader.objects.get(code="wang")


@pytest.fixture(autouse=True)
def plain_static_files(settings: Any) -> None:
    """Tests don't run collectstatic; the hashed-manifest storage is for `duban serve`."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def no_second_factor_by_default(settings: Any) -> None:
    """Tests of the business sign in with a password only; the two-factor tests
    (tests/org/test_twofactor.py) turn the real default back on."""
    settings.DUBAN_SECURITY_DEFAULTS = {"mfa_roles": []}


@pytest.fixture
def county(db: None) -> County:
    load(SMALL_COUNTY)  # no passwords: hashing costs ~0.3 s per user
    return County()
