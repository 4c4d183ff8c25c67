"""Stored XSS: what one user stores never runs as script in another user's browser.

The attacks that were found: a member PATCHed their organisation's ``website`` (and
``source_url``) to ``javascript:alert(document.domain)//`` and the directory page made it a
link; a trade figures file did the same with a figure's ``source_url``. Every URL field is
now http(s) only, wherever it comes from, and pages link a stored address only when it is
http(s) (for what was stored before). The Content-Security-Policy is the second wall
(tests/security/test_headers.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from bureau.accounts.models import Organisation
from bureau.catalog.models import Item
from bureau.trade import store
from bureau.trade.importing import Options, import_file
from tests.samples import lead_data
from tests.security.support import fields_of, send

SCRIPT_URLS = [
    "javascript:alert(document.domain)//",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "ftp://files.example/x",
]


@pytest.mark.parametrize("url", SCRIPT_URLS)
@pytest.mark.parametrize("field", ["website", "source_url"])
def test_a_member_cannot_store_a_script_link_on_their_organisation(
    client, member, token_for, field, url
):
    response = send(
        client, "patch", f"/organisations/{member.organisation.slug}", {field: url},
        token_for(member),
    )  # fmt: skip
    assert response.status_code == 422, response.content
    assert fields_of(response) == {field}
    member.organisation.refresh_from_db()
    assert getattr(member.organisation, field) == ""


def test_staff_cannot_add_one_either(client, staff_az, token_for):
    body = {"name": "Evil Ltd", "kind": "company", "country": "AZ", "website": SCRIPT_URLS[0]}
    response = send(client, "post", "/organisations", body, token_for(staff_az))
    assert response.status_code == 422
    assert fields_of(response) == {"website"}
    assert not Organisation.objects.filter(name="Evil Ltd").exists()


def test_an_http_website_is_still_a_link(client, member, token_for):
    response = send(
        client, "patch", f"/organisations/{member.organisation.slug}",
        {"website": "https://rice.example/about"}, token_for(member),
    )  # fmt: skip
    assert response.status_code == 200
    page = client.get(f"/directory/{member.organisation.slug}/")
    assert b'href="https://rice.example/about"' in page.content


def test_a_script_link_stored_before_is_not_made_a_link(client, company):
    # As if stored before the rule existed (or by a path that skipped it).
    Organisation.objects.filter(pk=company.pk).update(
        website=SCRIPT_URLS[0], source_url=SCRIPT_URLS[3], source_title="Registry"
    )
    page = client.get(f"/directory/{company.slug}/").content.decode()
    assert 'href="javascript:' not in page
    assert 'href="data:' not in page
    assert "javascript:alert(document.domain)//" in page  # shown as text, not lost


@pytest.mark.parametrize("field", ["source_url", "documents_url"])
def test_item_links_are_http_only(client, member, token_for, field):
    extra: dict[str, Any] = {"kind": "tender", "buyer": "SOCAR"} if field == "documents_url" else {}
    data = lead_data(**{field: SCRIPT_URLS[0]}, **extra)
    if field == "documents_url":
        for name in ("side", "product", "hs_code", "quantity", "unit", "incoterm",
                     "origin_country", "destination_country"):  # fmt: skip
            data.pop(name)
    response = send(client, "post", "/items", data, token_for(member))
    assert response.status_code == 422, response.content
    assert field in fields_of(response)


def test_an_item_link_stored_before_is_not_made_a_link(client, make_item):
    item = make_item(publish=True, source_title="The source")
    Item.objects.filter(pk=item.pk).update(source_url=SCRIPT_URLS[0])
    page = client.get(f"/items/{item.pk}/").content.decode()
    assert 'href="javascript:' not in page
    assert "The source" in page


def figures_file(folder: Any, source_url: str, source: str = "Ministry") -> Any:
    path = folder / "figures.csv"
    path.write_text(
        "period,reporter,partner,flow,value,unit,source,source_url\n"
        f"2022,AZE,PAK,export,7.6,USD million,{source},{source_url}\n"
    )
    return path


@pytest.mark.parametrize("url", SCRIPT_URLS[:4])
def test_a_figures_file_cannot_plant_a_script_link(tmp_path, trade_dir, url):
    result = import_file(figures_file(tmp_path, url), format="figures")
    assert [(e.row, e.field) for e in result.errors] == [(2, "source_url")]
    assert result.dataset is None
    assert store.datasets() == []


def test_the_import_options_cannot_either(tmp_path, trade_dir):
    from bureau.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        import_file(
            figures_file(tmp_path, ""), format="figures",
            options=Options(source_url=SCRIPT_URLS[0]),
        )  # fmt: skip
    assert refused.value.errors[0].field == "source_url"


@pytest.mark.django_db
def test_a_trade_source_stored_before_is_not_made_a_link(client, tmp_path, trade_dir, settings):
    result = import_file(figures_file(tmp_path, "https://stat.gov.az/x"), format="figures")
    assert result.dataset is not None
    # Rewrite the stored link as an older import could have left it.
    manifest = trade_dir / store.MANIFEST
    manifest.write_text(manifest.read_text().replace("https://stat.gov.az/x", SCRIPT_URLS[0]))
    con = store.connect(files=[], folders=[trade_dir / "datasets"])
    target = store.dataset_file(result.dataset.id)
    rewritten = target.with_suffix(".new")
    con.execute(
        f"COPY (SELECT * REPLACE ({store.sql_literal(SCRIPT_URLS[0])} AS source_url) "
        f"FROM read_parquet({store.sql_literal(str(target))})) "
        f"TO {store.sql_literal(str(rewritten))} (FORMAT parquet)"
    )
    rewritten.replace(target)
    page = client.get("/trade/").content.decode()
    assert "Ministry" in page
    assert 'href="javascript:' not in page
