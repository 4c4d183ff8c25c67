"""Every request body is capped: an upload over BUREAU_UPLOAD_MAX_MB gets 413 before it is read."""

from __future__ import annotations

import io
import socket

import pytest
from django.test import Client
from django.urls import reverse

from bureau.catalog.models import Item

MB = 1024 * 1024
WAIT = 30.0  # a bound on a hung connection, not a timing


def test_an_import_page_upload_over_the_cap_gets_413_with_a_clear_message(
    client: Client, staff_az, settings
):
    settings.BUREAU_UPLOAD_MAX_BYTES = 1 * MB
    client.force_login(staff_az)
    upload = io.BytesIO(b"kind,title\n" + b"lead,Rice\n" * 200_000)  # 2 MB
    upload.name = "big.csv"
    response = client.post(reverse("catalog:import"), {"file": upload, "dry_run": "on"})
    html = response.content.decode()
    assert response.status_code == 413
    assert "this bureau accepts at most 1 MB at a time" in html and "The upload is 1.9 MB" in html
    assert Item.objects.count() == 0
    small = io.BytesIO(b"kind,title\nlead,Rice\n")
    small.name = "small.csv"
    assert client.post(reverse("catalog:import"), {"file": small}).status_code == 422  # read


def test_the_200_mb_dry_run_is_refused_without_reading_the_body(client: Client, staff_az):
    """The request announces 200 MB and sends a few bytes: reading it would fail the test client."""
    client.force_login(staff_az)
    response = client.post(
        reverse("catalog:import"),
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * MB),
    )
    assert response.status_code == 413
    assert "The upload is 200 MB; this bureau accepts at most 20 MB" in response.content.decode()


def test_the_api_answers_413_in_its_json_shape(client: Client, settings, staff_az, token_for):
    settings.BUREAU_UPLOAD_MAX_BYTES = 1 * MB
    response = client.post(
        "/api/v1/items",
        data=b'{"title": "' + b"x" * (2 * MB) + b'"}',
        content_type="application/json",
        headers={"authorization": f"Bearer {token_for(staff_az)}"},
    )
    assert response.status_code == 413
    body = response.json()
    assert "at most 1 MB" in body["detail"] and body["errors"][0]["field"] == "body"


@pytest.mark.django_db(transaction=True)
def test_a_real_server_answers_before_the_body_arrives(live_server):
    """Over a socket: 200 MB announced, 64 KB sent, and the answer comes without the rest."""
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT) as conn:
        conn.sendall(
            b"POST /items/import/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\n"
            + f"Content-Length: {200 * MB}\r\n\r\n".encode()
            + b"x" * 65536
        )
        head = conn.recv(4096)  # a server that read the body would wait for the rest: timeout
    assert head.startswith(b"HTTP/1.1 413")
