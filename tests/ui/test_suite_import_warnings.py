"""What the command line says at import, the Suites page says at upload (issue 22): a suite too small to certify any
model at its bar is warned of in the same words, and the review overlap of a people-graded file is set there."""

from __future__ import annotations

from routeboard.graders import review_overlap
from routeboard.store.suites import list_suites, load_stored_suite
from tests.conftest import run_cli
from tests.ui.conftest import open_page

REPLIES = "input\n" + "".join(f"reply to e-mail {i}\n" for i in range(30))  # inputs only: people grade it
WARNING = (
    "30 tasks cannot certify any model at the 90% bar: even all accepted gives a lower bound of 88.6%; 35 tasks "
    "would, or a bar of at most 88%"
)


def upload(at, name: str, text: str):
    at.file_uploader(key="suites_upload").set_value([(name, text.encode(), "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_suite_too_small_for_its_bar_is_warned_of_at_upload_as_on_the_command_line(app, tmp_path):
    at = upload(open_page(app, "suites"), "replies.csv", REPLIES)
    assert [w.value for w in at.warning] == [
        f"{WARNING}. Add tasks, or lower the bar in the grading settings after importing."
    ]
    path = tmp_path / "replies.csv"
    path.write_text(REPLIES)
    printed = run_cli("suites", "import", str(path))
    assert printed.returncode == 0, printed.stderr
    assert f"  warning: {WARNING}" in printed.stdout.splitlines()


def test_the_review_overlap_of_a_people_graded_file_is_set_at_upload(app, app_con):
    at = upload(open_page(app, "suites"), "replies.csv", REPLIES)
    assert at.number_input(key="suites_overlap").value == 0.0
    at.number_input(key="suites_overlap").set_value(0.25).run()
    at.button(key="suites_import").click().run()
    assert not at.exception and not at.error
    (stored,) = list_suites(app_con)
    suite = load_stored_suite(app_con, stored["suite_id"])[1]
    assert (suite.grader.name, review_overlap(suite.grader)) == ("human", 0.25)
