"""The GitHub Actions template instructors copy: valid YAML that needs no editing."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions-grader.yml"
PLACEHOLDER = re.compile(r"YOUR[-_ ]|CHANGE[-_ ]?ME|TODO|FIXME|XXX|example\.(?:com|org)|@vX\.Y", re.IGNORECASE)
ANGLED = re.compile(r"<[A-Za-z][\w -]*>")  # `<org>`; the comments may write assignments/<name>/ for any folder


def strings(node) -> list[str]:
    """Every key and value of the parsed workflow: what runs, without the comments."""
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in (*strings(key), *strings(value))]
    if isinstance(node, list):
        return [text for item in node for text in strings(item)]
    return [str(node)]


def test_the_template_parses_as_a_workflow():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["name"] == "grader validate" and set(workflow["jobs"]) == {"validate"}
    steps = workflow["jobs"]["validate"]["steps"]
    assert all("run" in step or "uses" in step for step in steps)


def test_the_template_holds_no_placeholder_to_fill_in():
    text = WORKFLOW.read_text()
    assert not PLACEHOLDER.findall(text)
    assert not [value for value in strings(yaml.safe_load(text)) if ANGLED.search(value)]
    assert PLACEHOLDER.search("grader @ git+https://github.com/YOUR-ORG/grader@v0.1.0")  # what it once held
    assert ANGLED.search("grader @ git+https://github.com/<org>/grader")


def test_the_grader_comes_from_the_course_repositorys_pinned_requirement_file():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["validate"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install grader")
    assert install["run"].strip() == "python -m pip install --quiet -r requirements-grader.txt"
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["submodules"] is True  # a copy of the grader kept as a submodule is there to install
    python = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["cache-dependency-path"] == "requirements-grader.txt"
    assert "requirements-grader.txt" in workflow[True]["push"]["paths"]  # YAML reads the key `on` as True
    assert "requirements-grader.txt" in (ROOT / "docs" / "authoring.md").read_text()
