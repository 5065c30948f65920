"""Test data for accounts: users with a role, named like the people of a Lusophone office."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from fregues.accounts.models import Team, User

PASSWORD = "senha-de-teste-123"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="pt_BR")
    last_name = factory.Faker("last_name", locale="pt_BR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@empresa.com.br")
    role = "agent"
    language = "pt-br"
    is_active = True
    is_staff = factory.LazyAttribute(lambda u: u.role == "admin")
    is_superuser = factory.LazyAttribute(lambda u: u.role == "admin")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Célula de atendimento {n}")
