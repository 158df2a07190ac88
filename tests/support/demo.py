"""The demo data (demo/data.py) as typed objects: `demo.staff.counsellor`, `demo.desks.youth`.

The `demo` fixture returns a `Demo`. `demo["staff"]["counsellor"]` and
`demo["desks"]["youth"]` (the older spelling) still work and list every row,
including any added to the demo later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from accounts.models import Staff
from demo.data import DESKS
from desks.models import Desk

# The demo desks' names per language (demo/data.py), e.g. YOUTH_NAMES["sv"].
DESK_NAMES: dict[str, dict[str, str]] = {desk.slug: desk.name for desk in DESKS}
YOUTH_NAMES = DESK_NAMES["youth"]


@dataclass(frozen=True)
class DemoStaff:
    """The demo staff by role (usernames as in demo/data.py STAFF)."""

    admin: Staff  # all desks of Jokilaakso, 2FA
    supervisor: Staff  # all desks of Jokilaakso, 2FA
    counsellor: Staff  # "Kalle": youth and parents
    counsellor2: Staff  # "Aino": youth only
    volunteer: Staff  # homework help
    editor: Staff  # the brain, no desk
    studycounsellor: Staff  # the other organisation's study desk
    partner: Staff  # "Pia": the other organisation's, partner staff at Jokilaakso's homework desk


@dataclass(frozen=True)
class DemoDesks:
    youth: Desk
    homework: Desk
    parents: Desk
    study: Desk  # the other organisation's


@dataclass(frozen=True)
class Demo:
    staff: DemoStaff
    desks: DemoDesks
    staff_by_username: dict[str, Staff]
    desks_by_slug: dict[str, Desk]

    def __getitem__(self, key: str) -> dict[str, Any]:
        if key == "staff":
            return self.staff_by_username
        if key == "desks":
            return self.desks_by_slug
        raise KeyError(key)

    @classmethod
    def load(cls) -> Demo:
        """The demo rows as stored now (after `seed_demo`)."""
        staff = {s.username: s for s in Staff.objects.all()}
        desks = {d.slug: d for d in Desk.objects.all()}
        return cls(
            staff=DemoStaff(**{f.name: staff[f.name] for f in fields(DemoStaff)}),
            desks=DemoDesks(**{f.name: desks[f.name] for f in fields(DemoDesks)}),
            staff_by_username=staff,
            desks_by_slug=desks,
        )
