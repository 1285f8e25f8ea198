"""The sample workspace as a leader with no keys sees it: a real routing board, labelled as sample data."""

from __future__ import annotations

from routeboard.imports.sample import GPT4, MIXTRAL, build, remove
from tests.ui.conftest import board, open_page, table


def test_the_overview_shows_a_routing_board_of_the_sample_and_is_empty_again_after_removal(app, app_con):
    build(app_con)
    at = open_page(app, "overview")
    shown = board(at)
    # routed categories first, the largest monthly cost first; the one nothing clears last
    assert shown.index.tolist() == [
        "sample: marketing & civics",
        "sample: biology & medicine",
        "sample: psychology & geography",
        "sample: mathematics",
    ]
    assert shown.loc["sample: marketing & civics", "route"] == MIXTRAL
    assert shown.loc["sample: biology & medicine", "route"] == GPT4
    assert shown.loc["sample: mathematics", "route"] == f"none clears (nearest {GPT4})"
    assert shown.loc["sample: marketing & civics", "cost per accepted task"].startswith("$")
    assert shown.loc["sample: marketing & civics", "saving"].startswith("$")  # against GPT-4, the baseline

    remove(app_con)
    at = open_page(app, "overview")
    assert [s.value for s in at.subheader] == ["Get started"]


def test_results_and_models_label_it_sample_data_with_litellm_prices(app, app_con):
    build(app_con)
    at = open_page(app, "results")
    shown = " ".join(str(d.value.to_dict()) for d in at.dataframe) + " ".join(str(e.value) for e in at.selectbox)
    assert "sample: marketing & civics" in shown  # the categories carry the label
    at = open_page(app, "models")
    catalog = table(at, "id", "name", "price_source").set_index("id")
    assert catalog.loc[GPT4, "name"] == "GPT-4 Turbo 1106 (sample data)"
    assert catalog.loc[MIXTRAL, "name"] == "Mixtral 8x7B Instruct (sample data)"
    prices = catalog[["input_per_mtok_usd", "output_per_mtok_usd"]]  # text cells, as the catalog shows them
    assert prices.loc[GPT4].tolist() == ["10", "30"] and prices.loc[MIXTRAL].tolist() == ["0.6", "0.6"]
    assert catalog.loc[MIXTRAL, "price_source"] == "litellm price map"


def test_one_click_on_the_empty_overview_adds_the_sample_and_one_click_removes_it(app, app_con):
    at = open_page(app, "overview")
    at.button(key="overview_sample").click().run()
    assert not at.exception
    assert board(at).loc["sample: marketing & civics", "route"] == MIXTRAL
    assert any("sample benchmark data" in i.value for i in at.info)  # labelled as sample data where it shows
    at.button(key="overview_sample_remove").click().run()
    assert [s.value for s in at.subheader] == ["Get started"]
