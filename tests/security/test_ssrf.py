"""SSRF: webhooks reach only public addresses, checked at every connection, not only once.

The attack that was found: an endpoint on 127.0.0.1 registered while private addresses were
allowed kept receiving after ``BUREAU_WEBHOOK_ALLOW_PRIVATE=false``, and a public name that
later resolved to a private address (DNS rebinding) would have too. The sender now resolves
the name itself when it connects, refuses private, loopback and reserved addresses, and
connects to the address it checked, keeping the host name for TLS and the Host header.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest
from django.test import override_settings

from bureau.alerts import services as alerts
from bureau.core.errors import ValidationFailed
from bureau.delivery.dispatch import dispatch_pending
from bureau.delivery.egress import checked_address, checked_transport
from bureau.delivery.matching import LiveIndex
from bureau.delivery.models import Delivery, DeliveryAttempt
from bureau.delivery.tests.receiver import Receiver
from bureau.delivery.tests.test_dispatch import run_sender_until


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def subscribe(member: Any, url: str) -> Any:
    with override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True):  # registered while allowed
        endpoint, _ = alerts.endpoint_create(owner=member, url=url)
    alerts.subscription_create(
        owner=member,
        data={"name": "Rice", "channels": [{"kind": "webhook", "endpoint": endpoint.pk}]},
    )
    return endpoint


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=False)
def test_an_endpoint_that_became_private_receives_nothing(make_item, member, receiver, host):
    subscribe(member, receiver.url.replace("127.0.0.1", host))
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    delivery = Delivery.objects.get(kind="webhook")
    run_sender_until(lambda: Delivery.objects.get(pk=delivery.pk).attempts >= 1)
    assert receiver.requests == []
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert "private, loopback or reserved" in attempt.error
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.RETRYING


@pytest.mark.django_db(transaction=True)
@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_while_allowed_it_is_delivered(make_item, member, receiver):
    subscribe(member, receiver.url)
    make_item(publish=True)
    dispatch_pending(LiveIndex())
    run_sender_until(lambda: Delivery.objects.filter(status="delivered", kind="webhook").exists())
    assert len(receiver.requests) == 1


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    ("addresses", "refused"),
    [
        (["93.184.215.14"], False),
        (["2606:2800:21f:cb07:6820:80da:af6b:8b2c"], False),
        (["93.184.215.14", "127.0.0.1"], True),  # a rebinding answer with one private address
        (["10.0.0.8"], True),
        (["169.254.169.254"], True),  # cloud metadata
        (["::1"], True),
        (["fe80::1%eth0"], True),
        (["::ffff:127.0.0.1"], True),
        (["0.0.0.0"], True),  # noqa: S104 - an address to refuse, not to bind
        ([], True),
    ],
)
def test_every_address_of_the_answer_is_checked(addresses, refused):
    if refused:
        with pytest.raises(httpcore.ConnectError):
            checked_address("hooks.example", addresses)
    else:
        assert checked_address("hooks.example", addresses) == addresses[0]


@pytest.mark.django_db
@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://2130706433/hook",  # 127.0.0.1 written as a number
        "http://0x7f.1/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/admin/",
        "http://hooks.example:99999/",  # not a port: a 422, not a crash
        "gopher://hooks.example/",
        "file:///etc/passwd",
    ],
)
def test_registration_refuses_inside_addresses(member, url):
    with pytest.raises(ValidationFailed) as refused:
        alerts.endpoint_create(owner=member, url=url)
    assert refused.value.errors[0].field == "url"


# --- The pinned connection keeps the host name for TLS and HTTP ------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@override_settings(BUREAU_WEBHOOK_ALLOW_PRIVATE=True)
def test_tls_names_the_host_while_the_connection_goes_to_the_checked_address(tmp_path):
    cert, key = _certificate(tmp_path)
    seen: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["host"] = self.headers["Host"]
            seen["peer"] = self.client_address[0]
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)

    def remember_sni(sock: Any, name: str | None, context: Any) -> None:
        seen["sni"] = name

    server_context.sni_callback = remember_sni
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    async def post() -> int:
        client_context = ssl.create_default_context(cafile=str(cert))
        transport = checked_transport(httpx.Limits(), ssl_context=client_context)
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.post(f"https://localhost:{port}/hook", content=b"{}")
            return response.status_code

    try:
        assert asyncio.run(post()) == 204
    finally:
        server.shutdown()
    assert seen["sni"] == "localhost"
    assert seen["host"] == f"localhost:{port}"
    assert ipaddress.ip_address(seen["peer"]).is_loopback
