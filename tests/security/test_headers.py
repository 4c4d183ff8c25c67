"""Headers every response carries: the Content-Security-Policy (the wall behind the stored-XSS
fixes), no framing, no sniffing; and, when served over HTTPS, HSTS with subdomains and a
redirect from http."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/items/", "/api/v1/items", "/api/v1/nothing-here", "/admin/login/", "/trade/"]
)
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client()
plain = client.get("/api/v1/reference/currencies")
secure = client.get("/api/v1/reference/currencies", secure=True)
print(json.dumps({"plain": [plain.status_code, plain.get("Location", "")],
                  "hsts": secure.get("Strict-Transport-Security", "")}))
"""


@pytest.mark.parametrize("https", ["true", "false"])
def test_https_brings_hsts_with_subdomains_and_a_redirect(tmp_path, https):
    env = {**os.environ, "BUREAU_HOME": str(tmp_path), "BUREAU_HTTPS": https,
           "BUREAU_ALLOWED_HOSTS": "testserver",
           "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    if https == "true":
        assert seen["plain"] == [301, "https://testserver/api/v1/reference/currencies"]
        assert "includeSubDomains" in seen["hsts"] and "max-age=31536000" in seen["hsts"]
    else:
        assert seen["plain"][0] == 200 and seen["hsts"] == ""


INLINE = [
    (r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", "an inline <script>"),
    (r"\son[a-z]+\s*=", "an on*= event handler"),
    (r"\sstyle\s*=", "a style= attribute"),
    (r"<style", "a <style> block"),
    (r"javascript:", "a javascript: URL"),
    (r"\bhx-on", "an hx-on handler (run with eval)"),
]


def test_no_page_template_has_inline_script_or_style():
    """What the policy would block must not be in a page: behaviour in static .js files,
    styling in static CSS. Emails are not pages: mail programs need their inline styles."""
    import re

    found = []
    for template in sorted((ROOT / "bureau").glob("*/templates/**/*.html")):
        if "/email/" in str(template):
            continue
        text = template.read_text()
        found += [
            f"{template.relative_to(ROOT)}: {what}"
            for pattern, what in INLINE
            if re.search(pattern, text, flags=re.IGNORECASE)
        ]
    assert found == []
