"""factory_boy factories for the models tests build by hand: organisations, staff, desks, clients, conversations.

Each builds a valid row with unique names; pass fields to override (`ClientFactory.create()`
is typed for mypy, `ClientFactory()` is not). Staff get
`PASSWORD` (log in with tests.wsclient.staff_cookie); `StaffFactory(desks=[desk])`
and `DeskFactory(staff=[member])` add desk memberships. A client is created
from a token (`ClientFactory(token="...")`), whose hash is what is stored.
"""

# factory_boy's declarations carry no annotations.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, PostGeneration, Sequence, SubFactory
from factory.django import DjangoModelFactory, Password

from accounts.models import Organisation, Role, Staff
from conversations.actions.clients import hash_token
from conversations.models import Client, Conversation, Status
from desks.models import Audience, Desk, DeskMembership

PASSWORD = "a long enough test passphrase"


def add_members(desks: Iterable[Desk], staff: Iterable[Staff]) -> None:
    for desk in desks:
        for member in staff:
            DeskMembership.objects.get_or_create(desk=desk, staff=member)


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = Sequence(lambda n: f"Organisation {n}")
    slug = Sequence(lambda n: f"organisation-{n}")


class StaffFactory(DjangoModelFactory[Staff]):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"staff{n}")
    display_name = Sequence(lambda n: f"Staff {n}")
    role = Role.COUNSELLOR
    organisation = SubFactory(OrganisationFactory)
    password = Password(PASSWORD)

    desks = PostGeneration(lambda staff, create, desks, **_: add_members(desks or (), [staff]))


class DeskFactory(DjangoModelFactory[Desk]):
    class Meta:
        model = Desk
        skip_postgeneration_save = True

    organisation = SubFactory(OrganisationFactory)
    slug = Sequence(lambda n: f"desk-{n}")
    # Every desk is named in every language (desks.models: the constraint).
    name_fi = Sequence(lambda n: f"Linja {n}")
    name_sv = LazyAttribute(lambda desk: desk.name_fi.replace("Linja", "Linje"))
    name_en = LazyAttribute(lambda desk: desk.name_fi.replace("Linja", "Desk"))
    audience = Audience.YOUTH
    languages = "fi,sv,en"
    bot_enabled = False

    staff = PostGeneration(lambda desk, create, staff, **_: add_members([desk], staff or ()))


class DeskMembershipFactory(DjangoModelFactory[DeskMembership]):
    class Meta:
        model = DeskMembership

    desk = SubFactory(DeskFactory)
    staff = SubFactory(StaffFactory)


class ClientFactory(DjangoModelFactory[Client]):
    class Meta:
        model = Client

    class Params:
        token = LazyFunction(lambda: uuid.uuid4().hex)

    token_hash = LazyAttribute(lambda o: hash_token(o.token))


class ConversationFactory(DjangoModelFactory[Conversation]):
    """A conversation waiting in its desk's queue (pass status/assigned_to for another state)."""

    class Meta:
        model = Conversation

    desk = SubFactory(DeskFactory)
    client = SubFactory(ClientFactory)
    status = Status.QUEUED
    queued_at = LazyFunction(timezone.now)
