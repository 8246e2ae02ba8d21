"""The service in a real browser: Debian's Chromium, headless, driven by Playwright.

A student hands in (by the form, and by drag and drop), watches the hand-in go queued → running →
done and reads the report; a second student cannot see it, even by editing the address; the
instructor's dashboard shows both, updated live; a server killed with SIGKILL while grading and
started again finishes the hand-in, which the open page then shows.
"""

from __future__ import annotations

import base64
import re

import pytest

from grader.service.grading import EVENTS

from chromium import FLAGS, browser
from servicecourse import ASSIGNMENT, FAST, QUICK, Server, gradebook_attempts, hand_in, handin_rows, make_course, token, variant, wait_done

sync_api = pytest.importorskip("playwright.sync_api")
WAIT_MS = 300_000
RECORD_STATES = """() => {
    window.seen = [];
    window.epochs = 0;
    const note = () => { const s = document.getElementById("state").textContent + document.getElementById("stage").textContent;
                         if (window.seen[window.seen.length - 1] !== s) window.seen.push(s);
                         window.epochs = Math.max(window.epochs, document.querySelectorAll("#epochs li").length); };
    note();
    new MutationObserver(note).observe(document.getElementById("progress"), {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=browser(), args=FLAGS)
        yield found
        found.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("browser") / "course", students=("alice", "bob", "cleo"))
    keys = {person: token(course, person) for person in ("alice", "bob", "cleo")} | {"prof": token(course, "prof", "instructor")}
    with Server(course, "--jobs", "2", "--per-hour", "50") as server:
        server.keys = keys
        yield server


def signed_in(chromium, url: str, credential: str):
    context = chromium.new_context()
    tab = context.new_page()
    tab.goto(url + "/signin")
    tab.fill("#token", credential)
    tab.click("button[type=submit]")
    tab.wait_for_url(re.compile(r".*/(instructor)?$"))
    return tab


def hand_in_by_form(tab, path) -> None:
    tab.set_input_files("#file", str(path))
    tab.click("#submit")
    tab.wait_for_url(re.compile(rf".*/a/{ASSIGNMENT}/handins/\d+$"))


@pytest.mark.slow
def test_a_student_hands_in_watches_it_grade_and_reads_the_report(chromium, served, tmp_path):
    tab = signed_in(chromium, served.url, served.keys["alice"])
    hand_in_by_form(tab, variant(FAST, tmp_path, "alice-train"))  # a file no other test graded: it trains here, not from a kept report
    tab.evaluate(RECORD_STATES)
    tab.wait_for_selector("#report:not([hidden])", timeout=WAIT_MS)
    seen = tab.evaluate("window.seen")
    assert any(state.startswith("running") for state in seen) and seen[-1] == "done", seen
    if EVENTS:  # the engine reports progress: the epoch and its training accuracy showed while it trained
        assert tab.evaluate("window.epochs") >= 1, seen
    assert tab.inner_text("#score") == "40 / 100"
    tab.click("#report")
    assert "Training accuracy per epoch" in tab.content() and "create_and_compile_model" in tab.content()
    tab.goto(served.url + "/")
    assert tab.inner_text(f'[data-best="{ASSIGNMENT}"]') == "40 / 100"


def test_drag_and_drop_hands_in(chromium, served):
    tab = signed_in(chromium, served.url, served.keys["cleo"])
    content = base64.b64encode(QUICK["raises"][0].read_bytes()).decode()
    tab.evaluate(
        """(content) => {
        const bytes = Uint8Array.from(atob(content), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "dropped.ipynb"));
        document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""",
        content,
    )
    tab.wait_for_url(re.compile(rf".*/a/{ASSIGNMENT}/handins/\d+$"))
    tab.wait_for_selector("#report:not([hidden])", timeout=WAIT_MS)
    assert tab.inner_text("#state") == "done" and tab.inner_text("#score").endswith(" / 100")
    assert "dropped.ipynb" in tab.inner_text("main") and "NameError" in tab.inner_text("#message")


def test_a_second_student_cannot_see_it_even_by_editing_the_address(chromium, served):
    alice = served.keys["alice"]
    mine = wait_done(served.url, alice, hand_in(served.url, alice, QUICK["missing"][0]))
    tab = signed_in(chromium, served.url, served.keys["bob"])
    base = f"{served.url}/a/{ASSIGNMENT}/handins/{mine['id']}"
    for address in (
        base,
        base + "/report",
        f"{served.url}/api/a/{ASSIGNMENT}/handins/{mine['id']}",
        base + "/../../../instructor",
        f"{served.url}/instructor/a/{ASSIGNMENT}",
        f"{served.url}/instructor/a/{ASSIGNMENT}/reports/alice/report.html",
        f"{served.url}/a/{ASSIGNMENT}/handins/{mine['id']}%2F..%2F1",
    ):
        answer = tab.goto(address)
        assert answer.status == 404, address
        assert "missing_graded_name" not in tab.content() and "alice" not in tab.inner_text("body").replace("alice@", ""), address
    for number in range(1, mine["id"] + 3):  # every number a guess could try
        assert tab.goto(f"{base.rsplit('/', 1)[0]}/{number}").status == 404
    tab.goto(served.url + "/")
    assert "missing_graded_name" not in tab.content()


def test_the_instructor_sees_both_students_live(chromium, served):
    alice = served.keys["alice"]
    wait_done(served.url, alice, hand_in(served.url, alice, QUICK["raises"][0]))
    tab = signed_in(chromium, served.url, served.keys["prof"])
    tab.goto(f"{served.url}/instructor/a/{ASSIGNMENT}")
    bob = served.keys["bob"]
    handin = hand_in(served.url, bob, QUICK["empty"][0])  # after the page loaded: only the live update can show it
    tab.wait_for_function("() => document.querySelector('tr[data-student=\"bob\"] td.latest').textContent.includes('done: invalid')", timeout=WAIT_MS)
    wait_done(served.url, bob, handin)
    summary = tab.frame_locator("#summary")
    summary.locator("a", has_text="bob").first.wait_for(timeout=WAIT_MS)  # the summary view, reloaded live
    rows = {row.get_attribute("data-student"): row.inner_text() for row in tab.query_selector_all("#class tbody tr")}
    assert set(rows) == {"alice", "bob", "cleo"} and "done" in rows["alice"]
    with tab.expect_download() as download:
        tab.click("text=gradebook.csv")
    lines = open(download.value.path()).read().splitlines()
    assert lines[0].startswith("student,name,email") and {line.split(",")[0] for line in lines[1:]} >= {"alice", "bob"}


def test_a_server_killed_while_grading_finishes_the_hand_in_after_a_restart(chromium, tmp_path):
    course = make_course(tmp_path / "course")
    alice = token(course, "alice")
    server = Server(course, "--jobs", "1").start()
    try:
        tab = signed_in(chromium, server.url, alice)
        hand_in_by_form(tab, QUICK["syntax"][0])
        tab.wait_for_function("() => document.getElementById('state').textContent === 'running'", timeout=WAIT_MS)
        server.kill()
        server.start()  # the same port: the open page's event stream reconnects by itself
        tab.wait_for_selector("#report:not([hidden])", timeout=WAIT_MS)
        assert tab.inner_text("#state") == "done" and tab.inner_text("#score") == "0 / 100"
    finally:
        server.stop()
    attempts = gradebook_attempts(course)
    assert sorted(attempt["state"] for attempt in attempts) == ["finished", "interrupted"]
    assert [(row["state"], row["attempt"]) for row in handin_rows(course)] == [("done", next(a["id"] for a in attempts if a["state"] == "finished"))]


def test_a_refused_hand_in_says_why_on_the_page(chromium, served, tmp_path):
    tab = signed_in(chromium, served.url, served.keys["cleo"])
    essay = tmp_path / "essay.txt"
    essay.write_text("My answer is in the notebook I forgot.")
    tab.set_input_files("#file", str(essay))
    tab.click("#submit")
    assert "not '.txt'" in tab.inner_text("#error") and tab.url == served.url + "/handins"
    tab.goto(served.url + "/")
    tab.evaluate("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["{}"], "notes.docx"));
        document.getElementById("drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""")
    tab.wait_for_function("() => (document.getElementById('error') || {}).textContent?.includes(\"not '.docx'\")", timeout=WAIT_MS)
