"""The Gradescope door: `grader gradescope ASSIGNMENT --out DIR` writes the autograder.zip Gradescope runs.

    bundle    builds the zip: setup.sh, run_autograder, autograder.json and the grader's own source
              with the assignment and its reference solution
    run       what run_autograder starts: grade /autograder/submission/, write results.json
    results   a report as Gradescope's results.json: tests (name, score, max_score, status,
              output, visibility), the overall score and the output

Every path under /autograder can be moved with the environment variable GRADER_AUTOGRADER_ROOT,
so a test runs run_autograder against a simulated tree.
"""
