from grader.status import Status


def test_headline_is_the_most_severe_status():
    assert Status.headline(Status.GRADED, Status.TIMEOUT, Status.ERROR) is Status.TIMEOUT
    assert Status.headline(Status.GRADED) is Status.GRADED
    assert Status.headline(Status.OUTPUT, Status.INTERNAL) is Status.INTERNAL


def test_values_are_whole_lowercase_words():
    for status in Status:
        assert status.value.replace("_", "").isalpha() and status.value == status.value.lower()
    assert Status.GRADED.value == "graded"
