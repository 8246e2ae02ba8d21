from grader.status import Status


def test_values_are_whole_lowercase_words():
    for status in Status:
        assert status.value.replace("_", "").isalpha() and status.value == status.value.lower()
    assert Status.GRADED.value == "graded"


def test_only_the_grader_itself_is_not_the_students_doing():
    assert [status for status in Status if not status.student_caused] == [Status.INTERNAL, Status.GRADED]
