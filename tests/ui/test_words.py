"""Words a leader uses (issue 22): a core error a page shows names the page's fields, where the command line names
its flags."""

from __future__ import annotations

from routeboard.catalog.models import EMBEDDED_ID
from routeboard.library import save_suite
from routeboard.store.catalog import model_row
from tests.conftest import run_cli
from tests.run.test_runner_judge import judged_suite
from tests.ui.conftest import open_page
from tests.ui.test_models_page import add


def test_an_unpriced_model_on_the_models_page_is_told_the_forms_fields(app, app_con):
    at = add(open_page(app, "models"), "acme/house-model")
    assert [e.value for e in at.error] == [
        "- acme/house-model [price]: litellm's price map does not know 'acme/house-model'; give its input and output "
        "price in USD per million tokens (“USD / M input tokens”, “USD / M output tokens”), or mark it free "
        "(“Free: it really costs nothing”) if it really costs nothing"
    ]
    assert model_row(app_con, "acme/house-model") is None


def test_the_command_line_keeps_its_flags_in_the_same_message(isolated_db):
    refused = run_cli("models", "add", "acme/house-model")
    assert refused.stderr.splitlines() == [
        "error: acme/house-model [price]: litellm's price map does not know 'acme/house-model'; give its input and "
        "output price in USD per million tokens (--input-price, --output-price), or mark it free (--free) if it "
        "really costs nothing"
    ]


def test_the_run_page_names_its_judge_field_where_the_command_line_names_its_flag(app, app_con):
    save_suite(app_con, judged_suite())
    at = open_page(app, "run")
    at.multiselect(key="run_suites").set_value(["emails"])
    at.multiselect(key="run_models").set_value([EMBEDDED_ID]).run()
    (warning,) = [w.value for w in at.warning]
    assert "choose a hosted judge (“Judge model”), or set judge_model" in warning and "--" not in warning
