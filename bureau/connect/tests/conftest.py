"""Fixtures of the connect tests: a second company with a trader, and a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from bureau.accounts.models import Organisation, User
from bureau.accounts.services import organisation_create, user_create
from bureau.delivery.tests.test_email import Inbox, free_port, smtp_server, smtp_settings
from conftest import PASSWORD


@pytest.fixture
def buyer_org(chamber_pk: Organisation) -> Organisation:
    return organisation_create(
        actor=None,
        data={
            "name": "Caspian Foods",
            "kind": "company",
            "country": "AZ",
            "phone": "+994 12 555 0101",
        },
        chamber=chamber_pk,
    )


@pytest.fixture
def trader(buyer_org: Organisation) -> User:
    return user_create(
        email="buyer@caspian.example", password=PASSWORD, organisation=buyer_org, role="member"
    )


@pytest.fixture
def mail() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that Django sends to for the length of the test."""
    handler = Inbox()
    controller = smtp_server(handler, free_port())
    with smtp_settings(controller.port):
        yield handler
    controller.stop()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bodies(mail: Any, address: str) -> list[str]:
    return [
        r.message.get_body(preferencelist=("plain",)).get_content()
        for r in mail.received
        if address in r.recipients
    ]
