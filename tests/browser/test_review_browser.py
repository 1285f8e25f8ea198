"""Two people review one queue at once in real browsers against the real app (``streamlit run``).

They never get the same item (no overlap asked), a page refresh gives back the held item, the Overview's figure for
the category moves as verdicts arrive, and after a server restart every review is still there. The trials come
from a run with the test fake, made in this process before the server starts (the server never calls a model)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

import routeboard
from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.library import save_suite
from routeboard.providers.base import GenerationSettings
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from tests.fakes import install_fake
from tests.servers.streamlit_app import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy
from tests.ui.conftest import PRICES, WRONG_EVERY, PerModelFake, echo_suite

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CATEGORY = "support-reply"
TASKS = 12
ROUNDS = 4  # verdicts each reviewer gives
STEP_MS = 30_000  # one rerun of the page on 2 busy cores


def ms(seconds: float) -> float:
    return seconds * 1000


@pytest.fixture
def workspace(isolated_db):
    """An exact-graded suite (so the Overview has a board from the start) and a human-graded one, both run on the
    two fake models; the connection is closed before the server opens the file (DuckDB allows one process)."""
    install_fake(PerModelFake(WRONG_EVERY))
    con = routeboard.connect(isolated_db)
    try:
        for model_id, (price_in, price_out) in PRICES.items():
            add_model(
                con,
                model_id,
                tier="small-proprietary",
                input_price_per_mtok_usd=price_in,
                output_price_per_mtok_usd=price_out,
            )
        human = Suite(
            name="replies",
            category=CATEGORY,
            grader=GraderSpec("human"),
            bar=0.7,
            tasks=tuple(Task(id=f"r{i:02d}", input=f"write the reply to ticket: {i}") for i in range(TASKS)),
        )
        for suite in (echo_suite(), human):
            save_suite(con, suite)
        request = RunRequest(
            suites=("echo", "replies"), models=tuple(PRICES), settings=GenerationSettings(max_output_tokens=10)
        )
        assert start_run(con, request).run().status == "completed"
    finally:
        con.close()
    return isolated_db


@contextmanager
def serving(db, log_path):
    """The app over ``db`` for the length of the block."""
    port = free_port()
    process = start_app(db, log_path, port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if "Inotify" not in line]
        print("--- streamlit log (tail) ---\n" + "\n".join(lines[-40:]))


@contextmanager
def shots_on_failure(folder, **pages: Page):
    """On a failure inside the block, each page's last state is saved as folder/<name>.png."""
    try:
        yield
    except BaseException:
        for name, page in pages.items():
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        print(f"failure screenshots in {folder}")
        raise


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def settle(page: Page) -> None:
    """No script run in progress (Streamlit's 'Running...' widget is gone)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=STEP_MS)


def start_reviewing(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/review")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Start reviewing").click()
    expect(page.get_by_text(f"Reviewing as {name}")).to_be_visible(timeout=STEP_MS)


def item_text(page: Page) -> str:
    """The prompt and output on screen."""
    expect(page.locator('[data-testid="stCode"]').first).to_be_visible(timeout=STEP_MS)
    return " | ".join(page.locator('[data-testid="stCode"]').all_inner_texts())


def given(page: Page, count: int) -> None:
    """Wait until the page counts this many verdicts given in the session (the next item is on screen)."""
    expect(page.get_by_text(f"{count} given by you in this session")).to_be_visible(timeout=STEP_MS)
    settle(page)


def board_row(page: Page, url: str) -> str:
    """The Overview board's row for the reviewed category and its evidence ('' while none of its trials is
    decided)."""
    page.goto(url)
    board = page.locator(".st-key-overview_board table")  # absent while nothing is decided: the guided start
    expect(board.or_(page.get_by_role("heading", name="Get started"))).to_be_visible(timeout=STEP_MS)
    settle(page)
    rows = [r for r in board.locator("tr").all_inner_texts() if CATEGORY in r]
    if not rows:
        return ""
    # what the route rests on (accuracy, outputs reviewed) is one click away, in the evidence expander
    page.get_by_text("Evidence and assumptions behind each route").click()
    evidence_table = page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator("th[role='columnheader']", has_text="routed to")
    )
    grid = evidence_table.first.locator("table[role='grid']")
    grid.wait_for(state="attached", timeout=STEP_MS)
    settle(page)
    evidence = [r for r in grid.locator("tr").all_inner_texts() if CATEGORY in r]
    return " | ".join([rows[0], *evidence])


def two_reviewers(url: str, ann: Page, ben: Page, watcher: Page) -> list[str]:
    """Ann accepts and Ben rejects (tone) by keyboard, ROUNDS each, holding items at once; the Overview's row for
    the category after the first and the last round."""
    assert board_row(watcher, url) == ""  # every trial of the category waits: nothing counts yet
    start_reviewing(ann, url, "Ann")
    start_reviewing(ben, url, "Ben")
    held = item_text(ann)
    ann.reload()  # a refresh is a new session: the name comes back from the address, the item from the claim
    expect(ann.get_by_text("Reviewing as Ann")).to_be_visible(timeout=STEP_MS)
    assert item_text(ann) == held

    rows = []
    for n in range(1, ROUNDS + 1):
        ann.locator("body").press("a")  # the keyboard shortcut for Accept
        given(ann, n)
        ben.get_by_text("Tone", exact=True).click()
        settle(ben)
        ben.keyboard.press("r")  # Reject: Streamlit's own "r" (rerun) is kept from firing
        given(ben, n)
        if n in (1, ROUNDS):
            rows.append(board_row(watcher, url))
    return rows


def test_two_reviewers_share_one_queue(workspace, browser, tmp_path):
    log = tmp_path / "streamlit.log"
    started = time.monotonic()
    with serving(workspace, log) as url:
        ann, ben, watcher = (browser.new_context(viewport={"width": 1300, "height": 900}).new_page() for _ in range(3))
        with shots_on_failure(tmp_path, ann=ann, ben=ben, overview=watcher):
            rows = two_reviewers(url, ann, ben, watcher)
        print("Overview row after the first and the last round:", rows)
        assert rows[0], "the category appears on the Overview once its first verdicts are in"
        assert rows[0] != rows[1], f"the Overview did not move with the reviews: {rows}"
    with serving(workspace, log) as url:  # a restart loses nothing
        page = browser.new_context().new_page()
        start_reviewing(page, url, "Cy")
        reviewed = page.locator('[data-testid="stMetric"]', has_text="Reviewed").locator(
            '[data-testid="stMetricValue"]'
        )
        expect(reviewed).to_have_text(str(2 * ROUNDS), timeout=STEP_MS)

    print(f"two reviewers, a refresh and a restart: {time.monotonic() - started:.0f} s")
    con = routeboard.connect(workspace)
    try:
        stored = con.execute(
            "SELECT task_id, model_id, trial, reviewer, verdict, reason FROM reviews ORDER BY created_at"
        ).fetchall()
    finally:
        con.close()
    assert len(stored) == 2 * ROUNDS
    items = [(task, model, trial) for task, model, trial, *_ in stored]
    assert len(set(items)) == len(items), "an item went to both reviewers though no overlap was asked"
    assert {(r, v, why) for *_, r, v, why in stored} == {("Ann", "accepted", None), ("Ben", "rejected", "tone")}


# ---------------------------------------------------------------- each item starts with empty controls

REASON = '[class*="st-key-review_reason"]'  # the item's reason radio (its key carries the item's token)
NOTE = '[class*="st-key-review_note"] input'


def controls(page: Page) -> tuple[int, str]:
    """How many reject reasons are chosen and the note's text, on the item on screen."""
    settle(page)
    return page.locator(f"{REASON} input[type=radio]:checked").count(), page.locator(NOTE).input_value()


def reject_with_a_note(page: Page, reason: str, note: str) -> None:
    """Type a note (committed with Enter), choose a reason, then press r, as a reviewer at a keyboard does."""
    field = page.locator(NOTE)
    field.fill(note)
    field.press("Enter")
    settle(page)
    page.locator(REASON).get_by_text(reason, exact=True).click()
    settle(page)
    page.keyboard.press("r")


def test_each_reviewers_next_item_starts_empty_after_a_rejection_with_a_reason_and_note(workspace, browser, tmp_path):
    with serving(workspace, tmp_path / "streamlit.log") as url:
        ann, ben = (browser.new_context(viewport={"width": 1300, "height": 900}).new_page() for _ in range(2))
        with shots_on_failure(tmp_path, ann=ann, ben=ben):
            start_reviewing(ann, url, "Ann")
            start_reviewing(ben, url, "Ben")
            seen = {}
            for page, name in ((ann, "Ann"), (ben, "Ben")):
                reject_with_a_note(page, "Tone", f"too curt, says {name}")
                given(page, 1)
                seen[name, 2] = controls(page)  # the second item
                page.locator("body").press("a")
                given(page, 2)
                seen[name, 3] = controls(page)  # the third, after an accept
                page.locator("body").press("r")  # one r on an item with no reason chosen stores nothing
                expect(page.get_by_text("Choose a reason to reject")).to_be_visible(timeout=STEP_MS)
    assert seen == {(name, n): (0, "") for name in ("Ann", "Ben") for n in (2, 3)}, seen
    con = routeboard.connect(workspace)
    try:
        stored = con.execute("SELECT reviewer, verdict, reason, note FROM reviews ORDER BY reviewer, created_at")
        assert stored.fetchall() == [
            ("Ann", "rejected", "tone", "too curt, says Ann"),
            ("Ann", "accepted", None, None),
            ("Ben", "rejected", "tone", "too curt, says Ben"),
            ("Ben", "accepted", None, None),
        ]
    finally:
        con.close()
