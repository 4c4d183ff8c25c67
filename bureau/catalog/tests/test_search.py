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
