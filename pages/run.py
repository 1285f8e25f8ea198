"""Run: pick suites x models x trials, see the estimate, launch in the background, follow, cancel, resume."""

import streamlit as st

from routeboard.catalog.models import EMBEDDED_ID, list_models
from routeboard.decide.scenario import list_scenarios
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import DEFAULTS, RunRequest
from routeboard.store.suites import list_suites
from ui import runs
from ui.auth import guard
from ui.empty import empty_state
from ui.state import connection

who = guard("Run")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Run")
con = connection()
suite_names = [s["name"] for s in list_suites(con)]
if not suite_names:
    empty_state("run")
model_ids = [m.id for m in list_models(con, check_keys=False)]

left, right = st.columns(2)
# the suites just run stay chosen (a first run launched from the Overview included)
default = [s for s in runs.last_suites() if s in suite_names] or suite_names[:1]
suites = left.multiselect("Suites", suite_names, default=default, key="run_suites")
models = right.multiselect("Models", model_ids, default=[EMBEDDED_ID], key="run_models")
cols = st.columns(6)
# the defaults the CLI's `run` has too (routeboard.run.request.DEFAULTS): a run costs the same wherever it starts
trials = cols[0].number_input("Trials per task", 1, 20, DEFAULTS.trials, key="run_trials")
limit = cols[1].number_input("Tasks per suite (0 = all)", 0, 100_000, 10, key="run_limit")
concurrency = cols[2].number_input("Concurrency", 1, 64, DEFAULTS.concurrency, key="run_concurrency")
budget = cols[3].number_input("Budget cap USD (0 = none)", 0.0, 1e6, 0.0, key="run_budget")
max_tokens = cols[4].number_input(
    "Max output tokens", 1, 8192, DEFAULTS.settings.max_output_tokens, key="run_max_tokens"
)
STOPS = {"every task": "none", "once its verdict is settled": "certify", "once it cannot be the route": "route"}
stop = STOPS[
    cols[5].selectbox(
        "Stop sending a model tasks",
        list(STOPS),
        key="run_stop",
        help="In rounds of tasks, in one random order shared by every model: stop a model once its own verdict is "
        "settled, or once it cannot become its job's route (each job once its route is known).",
    )
]
DEFAULT_SCENARIO = "default assumptions"
scenario, round_tasks = None, 25
if stop != "none":
    rounds_column, scenario_column = st.columns(2)
    round_tasks = rounds_column.number_input("Tasks per round", 1, 10_000, 25, key="run_round_tasks")
if stop == "route":
    picked = scenario_column.selectbox(
        "Scenario the route is judged under",
        [DEFAULT_SCENARIO, *list_scenarios(con)],
        key="run_scenario",
        help="Failure cost and review decide which model costs least per accepted task (What-if saves scenarios).",
    )
    scenario = None if picked == DEFAULT_SCENARIO else picked
SUITE_JUDGE = "each suite's own judge"
judge = st.selectbox(
    "Judge model (suites graded by an LLM judge)",
    [SUITE_JUDGE, *model_ids],
    key="run_judge",
    help="Grades free-form answers; overrides each suite's judge_model. Its calls are paid for.",
)

request = RunRequest(
    suites=tuple(suites),
    models=tuple(models),
    trials=int(trials),
    limit=int(limit) or None,
    concurrency=int(concurrency),
    budget_usd=budget or None,
    certify=stop == "certify",
    until_route=stop == "route",
    scenario=scenario,
    round_tasks=int(round_tasks),
    judge_model=None if judge == SUITE_JUDGE else judge,
    settings=GenerationSettings(max_output_tokens=int(max_tokens)),
)
if suites and models:
    runs.estimate_and_launch(con, request)

st.subheader("Runs")
runs.resume_box(con)
runs.live()
