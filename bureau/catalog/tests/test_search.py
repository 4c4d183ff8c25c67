"""Full-text search and facets, on whichever database the suite runs against."""

from bureau.catalog.selectors import ItemFilters, facet_counts, item_list


def titles(**params):
    return [i.title for i in item_list(ItemFilters.parse(params))]


def test_search_matches_every_word_ignoring_case_and_accents(make_item):
    make_item(
        publish=True, title="Café equipment for Ganja", hs_code="841981", product="Coffee machines"
    )
    make_item(publish=True, title="Basmati rice for Baku")
    assert titles(q="CAFE ganja") == ["Café equipment for Ganja"]
    assert titles(q="rice") == ["Basmati rice for Baku"]
    assert titles(q="rice ganja") == []


def test_only_published_items_are_found_by_default(make_item):
    make_item(title="Draft rice lead")
    make_item(publish=True, title="Published rice lead")
    assert titles(q="rice") == ["Published rice lead"]


def test_query_syntax_is_treated_as_words(make_item):
    make_item(publish=True, title="Cement NEAR Baku")
    assert titles(q='cement" * ( NEAR') == ["Cement NEAR Baku"]


def test_facets_filter_by_hs_prefix_section_country_and_value(make_item):
    make_item(
        publish=True,
        title="LNG cargo",
        hs_code="271111",
        product="LNG",
        destination_country="PK",
        value_amount="1000000",
    )
    make_item(
        publish=True, title="Rice", hs_code="100630", value_amount="1700", value_currency="AZN"
    )
    assert titles(hs="27") == ["LNG cargo"]
    assert titles(hs="2711") == ["LNG cargo"]
    assert titles(section="II") == ["Rice"]
    assert titles(value_max="5000") == ["Rice"]  # 1,700 AZN is 1,000 USD
    assert set(titles(country="PK")) == {"LNG cargo", "Rice"}
    counts = facet_counts(ItemFilters.parse({}))
    assert ("V", 1) in counts["section"] and ("II", 1) in counts["section"]
    assert ("lead", 2) in counts["kind"]


def test_edits_are_searchable_at_once(make_item, staff_az):
    from bureau.catalog import services

    item = make_item(publish=True, title="Cotton yarn")
    services.item_update(actor=staff_az, item=item, data={"title": "Polyester yarn"})
    assert titles(q="cotton") == []
    assert titles(q="polyester") == ["Polyester yarn"]


def test_a_page_is_read_in_rank_order_and_counts_stop_at_the_cap(make_item):
    from bureau.catalog.selectors import count_matches, item_page

    make_item(publish=True, title="Rice rice rice", summary="rice")
    make_item(publish=True, title="Rice once", summary="grain")
    make_item(publish=True, title="Cement", hs_code="252310", product="Cement")
    matching = item_list(ItemFilters.parse({"q": "rice", "kind": "lead"}))
    assert [i.title for i in item_page(matching, offset=0, limit=20)] == [i.title for i in matching]
    assert [i.title for i in item_page(matching, offset=1, limit=1)] == [list(matching)[1].title]
    assert count_matches(matching) == (2, False)
    assert count_matches(matching, cap=1) == (1, True)


# --- Codes in the search box, and English word forms -------------------------------------------


def test_a_query_that_is_an_hs_code_finds_the_items_under_it(make_item):
    make_item(publish=True, title="Basmati rice for Baku")  # HS 100630
    make_item(publish=True, title="LNG cargo", hs_code="271111", product="LNG")
    for query in ("1006", "10 06", "100630", "1006.30", "10", "10.06"):
        assert titles(q=query) == ["Basmati rice for Baku"], query
    assert titles(q="2711") == ["LNG cargo"]
    assert titles(q="rice 1006") == ["Basmati rice for Baku"]  # a word and a code: both
    assert titles(q="rice 2711") == []


def test_a_query_that_is_a_locode_or_a_country_name_finds_the_items_there(make_item):
    make_item(publish=True, title="Rice by sea", destination_place="Baku", origin_place="Karachi")
    make_item(
        publish=True,
        title="Cement to Tashkent",
        hs_code="252310",
        product="Cement",
        origin_country="AE",
        destination_country="UZ",
        countries=[],
    )
    for query in ("AZBAK", "azbak", "AZ BAK", "PKKHI"):
        assert titles(q=query) == ["Rice by sea"], query
    assert titles(q="Pakistan") == ["Rice by sea"]  # origin PK, in no text
    assert titles(q="united arab emirates") == ["Cement to Tashkent"]
    assert titles(q="cement UAE") == ["Cement to Tashkent"]
    assert titles(q="rice uzbekistan") == []


def test_english_word_forms_match_each_other(make_item):
    make_item(publish=True, title="Two LNG cargoes a month", hs_code="271111", product="LNG")
    make_item(publish=True, title="Supply contracts for textile mills", product="Cotton")
    make_item(publish=True, title="Home textiles wanted", product="Towels", hs_code="630260")
    assert titles(q="cargo") == ["Two LNG cargoes a month"]
    assert titles(q="cargoes") == ["Two LNG cargoes a month"]
    assert titles(q="contract") == ["Supply contracts for textile mills"]
    assert set(titles(q="textiles")) == {
        "Supply contracts for textile mills",
        "Home textiles wanted",
    }
    assert set(titles(q="textile")) == set(titles(q="textiles"))


def test_accents_azerbaijani_and_urdu_words_are_still_found_as_written(make_item):
    make_item(publish=True, title="Gəncə şirkətləri üçün on ton düyü", product="Düyü")
    make_item(publish=True, title="پاکستان سے چاول کی برآمد", product="Rice", language="ur")
    assert titles(q="şirkətləri") == ["Gəncə şirkətləri üçün on ton düyü"]
    # Typed without the Azerbaijani letters, as on a keyboard that lacks them.
    assert titles(q="sirketleri") == ["Gəncə şirkətləri üçün on ton düyü"]
    assert titles(q="duyu GƏNCƏ") == ["Gəncə şirkətləri üçün on ton düyü"]
    assert titles(q="on ton") == [
        "Gəncə şirkətləri üçün on ton düyü"
    ]  # 'on' is an English stop word
    assert titles(q="چاول") == ["پاکستان سے چاول کی برآمد"]
    assert titles(q="برآمد پاکستان") == ["پاکستان سے چاول کی برآمد"]


def test_a_code_query_is_ordered_newest_first_and_counts_its_facets(make_item):
    first = make_item(publish=True, title="Rice one")
    second = make_item(publish=True, title="Rice two")
    assert titles(q="1006") == [second.title, first.title]
    counts = facet_counts(ItemFilters.parse({"q": "1006"}))
    assert ("lead", 2) in counts["kind"]


def test_the_query_is_parsed_into_words_and_codes():
    from bureau.catalog import search

    parsed = search.parse("basmati PK KHI 1006.30 Pakistan rice")
    assert parsed.words == ("basmati", "rice")
    assert [c.keys for c in parsed.codes] == [("place:PKKHI",), ("hs:100630",), ("country:PK",)]
    assert search.parse("0077").codes == ()  # not in the nomenclature: a plain word
    assert search.parse("0077").words == ("0077",)
    assert not search.parse("  ")


def test_azerbaijani_words_are_found_with_or_without_their_letters(make_item, staff_az):
    from bureau.catalog import services

    item = make_item(publish=True, title="Pambıq lifi, 200 ton", product="Pambıq")
    make_item(publish=True, title="İpək parça Şəki fabrikindən", product="İpək")
    for query in ("pambıq", "pambiq", "PAMBIQ", "Pambıq lifi"):
        assert titles(q=query) == ["Pambıq lifi, 200 ton"], query
    for query in ("ipək", "ipek", "İPƏK", "seki", "Şəki", "fabrikinden"):
        assert titles(q=query) == ["İpək parça Şəki fabrikindən"], query
    assert titles(q="pambuq") == []  # a different word is still a different word
    # The index follows an edit: the old words are gone, the new ones found either way.
    services.item_update(actor=staff_az, item=item, data={"title": "Gəmi yükü: qoz-fındıq"})
    assert titles(q="pambiq lifi") == []
    assert titles(q="gemi findiq") == ["Gəmi yükü: qoz-fındıq"]


def test_urdu_words_are_found_however_their_letters_were_typed(make_item):
    # Written with Urdu letters (ی U+06CC, ک U+06A9, ہ U+06C1) and a vowel mark (zer).
    make_item(publish=True, title="کپاس کی برآمد کراچی سے", product="کپاس", language="ur")
    make_item(publish=True, title="چاول کی فصل", product="چاول", language="ur")
    assert titles(q="کپاس") == ["کپاس کی برآمد کراچی سے"]
    # The same words typed on an Arabic keyboard: kaf U+0643, yeh U+064A.
    assert titles(q="\u0643\u067e\u0627\u0633") == ["کپاس کی برآمد کراچی سے"]
    assert titles(q="\u0643\u0631\u0627\u0686\u064a") == ["کپاس کی برآمد کراچی سے"]
    # With a vowel mark the text leaves out.
    assert titles(q="\u0686\u0627\u0648\u0650\u0644") == ["چاول کی فصل"]


def test_filter_by_the_language_an_item_is_written_in(client, make_item, member):
    from django.urls import reverse

    make_item(publish=True, title="Pambıq lifi satılır", language="az")
    make_item(publish=True, title="کپاس برائے فروخت", language="ur")
    make_item(publish=True, title="Cotton lint for sale")
    assert titles(language="az") == ["Pambıq lifi satılır"]
    assert titles(language="UR") == ["کپاس برائے فروخت"]
    assert len(titles()) == 3  # without the filter, every language is shown
    page = client.get(reverse("catalog:browse"), {"language": "az"}).content.decode()
    assert "Pambıq lifi satılır" in page and "Cotton lint" not in page
    assert '<option value="az" lang="az" selected>' in page
    refused = client.get(reverse("catalog:browse"), {"language": "xx"}).content.decode()
    assert "is not an ISO 639-1 language code" in refused and "Cotton lint" in refused
    # Saving the search keeps the language as a criterion.
    client.force_login(member)
    response = client.post(
        reverse("alerts:from_search"), {"q": "lint", "language": "ur"}, follow=True
    )
    import re

    boxes = re.findall(r'<input[^>]*name="languages"[^>]*>', response.content.decode())
    assert [b for b in boxes if "checked" in b] == [b for b in boxes if 'value="ur"' in b] != []
