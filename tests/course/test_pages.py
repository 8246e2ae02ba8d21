"""`grader adjust` on a batch: the gradebook records it, the student's report and summary.html show it."""

from __future__ import annotations

from grader import cli
from grader.batch.gradebook import FILE, Gradebook
from grader.batch.run import write_reports

from chromium import by_id, dump_dom, having
from classroom import entry, stored
from classroom import record as grade


def test_an_adjustment_shows_in_the_report_and_the_summary(tmp_path, assignment, capsys):
    with Gradebook(tmp_path / FILE) as book:
        book.claim("fashion_mnist_callback")
        grade(book, book.register([entry("sam")])["sam"], stored("stops_at_epoch_limit"))
    write_reports(stored("stops_at_epoch_limit"), assignment, tmp_path / "reports" / "sam", "sam")
    arguments = ["adjust", "sam", "fashion_mnist_callback", "--check", "callback", "--points", "5", "--batch", str(tmp_path)]
    assert cli.main([*arguments, "--comment", "<script>alert(1)</script> works at 0.88", "--by", "ta-lin"]) == cli.EXIT_OK
    assert "Recorded +5 on 'callback' for sam in fashion_mnist_callback; sam's points are now 65/100." in capsys.readouterr().out
    dom = dump_dom(tmp_path / "reports" / "sam" / "report.html")
    (row,) = having(dom, "data-needs-review")
    assert (row.attrs["data-check"], row.attrs["data-points"]) == ("callback", "5.0")
    assert "<script>alert(1)</script> works at 0.88" in row.text and "ta-lin" in row.text  # shown as text, not run
    assert by_id(dom, "final").attrs["data-final"] == "65.0"
    summary = dump_dom(tmp_path / "summary.html")
    (sam,) = [element for element in having(summary, "data-final") if element.attrs.get("data-student") == "sam"]
    assert (sam.attrs["data-score"], sam.attrs["data-final"]) == ("60.0", "65.0")
    assert cli.main([*arguments[:-2], "--points", "25", "--batch", str(tmp_path)]) == cli.EXIT_USAGE
    assert "Give --points between 0 and +20" in capsys.readouterr().err
