"""The services' refusals reach an API client in the language it asks for (Accept-Language):
Urdu and Azerbaijani, the same message and field as in English, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from bureau.connect.models import Interest

pytestmark = pytest.mark.django_db


def in_language(language: str, message: str, **params: object) -> str:
    with translation.override(language):
        return gettext(message) % params if params else gettext(message)


def post(token: str, language: str, body: dict[str, Any]) -> Any:
    return Client().post(
        "/api/v1/connect/interests",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.mark.parametrize("language", ["ur", "az"])
def test_service_errors_come_back_in_the_language_asked_for(
    language: str, make_item: Any, member: Any, trader: Any, token_for: Any
) -> None:
    item = make_item(publish=True)
    buyer, owner = token_for(trader), token_for(member)

    # A field the service checks: a value without its currency.
    answer = post(buyer, language, {"item": str(item.uid), "message": "Hi", "value_amount": 5})
    assert answer.status_code == 422, answer.content
    (error,) = answer.json()["errors"]
    expected = in_language(language, "is required with a value")
    assert expected != "is required with a value"
    assert error["field"] == "value_currency" and error["message"] == expected
    assert answer["Content-Language"] == language

    # A permission the service refuses: interest in one's own item.
    own = post(owner, language, {"item": str(item.uid), "message": "Mine"})
    assert own.status_code == 403
    refused = in_language(language, "this item is your own organisation's")
    assert refused != "this item is your own organisation's"
    assert refused[1:] in own.json()["detail"]  # the detail is a sentence: first letter up

    # Something that is not there, named in the reader's language.
    missing = post(buyer, language, {"item": "not-a-uid", "message": "Hi"})
    assert missing.status_code == 404
    assert in_language(language, "there is no such item")[1:] in missing.json()["detail"]
    assert not Interest.objects.exists()

    # The same request in English reads English: the language follows the request.
    english = post(buyer, "en", {"item": str(item.uid), "message": "Hi", "value_amount": 5})
    assert english.json()["errors"][0]["message"] == "is required with a value"
