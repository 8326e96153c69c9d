"""The enrolment API: joining, enrolling, withdrawing, rosters and history, with every role."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import ClassMode
from enrollment.models import AuditEntry, Enrollment, EnrollmentStatus
from tests.api_helpers import assert_error
from tests.factories import EnrollmentFactory, LearnerFactory, TrainingClassFactory
from tests.roles import CLASS_ROLES, MANAGES_THE_CLASS, by_role, succeeding

# Seen from the Thái Nguyên class (see tests.class_world). The enrolment of the Thái Nguyên class's
# learner: theirs, and their class's managers'.
OWN_ENROLMENT = {**MANAGES_THE_CLASS, "own_learner": 200}


@by_role(
    {
        "anonymous": 401,
        "own_learner": 409,  # already enrolled
        "other_learner": 403,  # another province's class
        "own_trainer": 403,
        "other_trainer": 403,
        "province_admin": 403,
        "other_province_admin": 403,
        "central_admin": 403,
        "joiner": 201,
    }
)
def test_join_a_class(world, client_for, role, expected):
    user = world.joiner.user if role == "joiner" else world.users[role]
    response = client_for(user).post(f"/api/v1/classes/{world.training_class.pk}/join")
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert (body["status"], body["source"], body["training_class"]["id"]) == (
            "enrolled",
            "self",
            world.training_class.pk,
        )
    else:
        assert_error(response, expected)


def test_join_a_full_class_goes_to_the_waitlist(world, client_for):
    EnrollmentFactory(training_class=world.training_class)  # the second seat
    response = client_for(world.joiner.user).post(f"/api/v1/classes/{world.training_class.pk}/join")
    assert response.json()["status"] == "waitlisted"


@by_role(succeeding(MANAGES_THE_CLASS, 201))
def test_enrol_one_learner(world, as_role, role, expected):
    response = as_role(role).post(
        f"/api/v1/classes/{world.training_class.pk}/enrollments",
        {"learner_id": world.joiner.pk},
        format="json",
    )
    assert response.status_code == expected, response.content
    enrolled = Enrollment.objects.filter(learner=world.joiner, training_class=world.training_class)
    assert enrolled.exists() == (expected == 201)
    if expected == 201:
        assert response.json()["source"] == ("trainer" if role == "own_trainer" else "admin")


@by_role(MANAGES_THE_CLASS)
def test_enrol_many_learners(world, as_role, role, expected):
    newcomers = [LearnerFactory() for _ in range(3)]
    response = as_role(role).post(
        f"/api/v1/classes/{world.training_class.pk}/enrollments",
        {"learner_ids": [world.learner.pk, *(n.pk for n in newcomers)]},
        format="json",
    )
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json() == {
            "enrolled": [newcomers[0].pk],
            "waitlisted": [newcomers[1].pk, newcomers[2].pk],
            "unchanged": [world.learner.pk],
        }


def test_enrolling_bad_ids_names_them(world, as_role):
    client = as_role("own_trainer")
    url = f"/api/v1/classes/{world.training_class.pk}/enrollments"
    body = assert_error(client.post(url, {"learner_ids": [world.joiner.pk, 999999]}, format="json"), 400)
    assert [e["field"] for e in body["errors"]] == ["learner_ids.1"]
    assert [e["field"] for e in assert_error(client.post(url, {}, format="json"), 400)["errors"]] == [
        "learner_id"
    ]
    conflict = assert_error(client.post(url, {"learner_id": world.learner.pk}, format="json"), 409)
    assert conflict["code"] == "already_enrolled"
    assert not Enrollment.objects.filter(learner=world.joiner).exists()


@by_role(OWN_ENROLMENT)
def test_withdraw(world, as_role, role, expected):
    waiting = EnrollmentFactory(training_class=world.training_class, status="enrolled")
    queued = EnrollmentFactory(training_class=world.training_class, status="waitlisted")
    response = as_role(role).post(
        f"/api/v1/enrollments/{world.enrollment.pk}/withdraw", {"reason": "Bận công tác"}, format="json"
    )
    assert response.status_code == expected, response.content
    world.enrollment.refresh_from_db()
    queued.refresh_from_db()
    withdrew = expected == 200
    assert (world.enrollment.status == "withdrawn") == withdrew
    assert (queued.status == "enrolled") == withdrew  # the freed seat goes to the waitlist
    assert waiting.status == "enrolled"


def test_a_learner_cannot_withdraw_someone_else(world, client_for):
    response = client_for(world.joiner.user).post(f"/api/v1/enrollments/{world.enrollment.pk}/withdraw")
    assert_error(response, 404)


@by_role(MANAGES_THE_CLASS)
def test_roster(world, as_role, role, expected):
    EnrollmentFactory(training_class=world.training_class, status="waitlisted", learner=world.joiner)
    response = as_role(role).get(f"/api/v1/classes/{world.training_class.pk}/roster")
    assert response.status_code == expected, response.content
    if expected != 200:
        return
    rows = response.json()["results"]
    assert [(r["learner"]["full_name"], r["status"]) for r in rows] == [
        ("Nguyễn Văn An", "enrolled"),
        ("Trần Thị Bình", "waitlisted"),
    ]
    first = rows[0]
    # Its trainer reads the roster fields; the admins of the learner's province and central, all.
    full = role != "own_trainer"
    assert first["learner"]["record"] == ("full" if full else "roster")
    assert first["learner"]["national_id"] == (
        world.learner.national_id if full else "********" + world.learner.national_id[-4:]
    )
    assert (first["learner"]["date_of_birth"] is not None) == full
    assert first["attendance_rate"] == 0.0
    assert first["planned_minutes"] == 120


def test_roster_filters(world, as_role):
    EnrollmentFactory(training_class=world.training_class, status="waitlisted", learner=world.joiner)
    client = as_role("own_trainer")
    url = f"/api/v1/classes/{world.training_class.pk}/roster"
    assert client.get(f"{url}?status=waitlisted").json()["count"] == 1
    assert (
        client.get(f"{url}?search=tran thi").json()["results"][0]["learner"]["full_name"] == "Trần Thị Bình"
    )


@by_role(OWN_ENROLMENT)
def test_enrolment_history(world, as_role, role, expected):
    as_role("central_admin").post(f"/api/v1/enrollments/{world.enrollment.pk}/withdraw")
    response = as_role(role).get(f"/api/v1/enrollments/{world.enrollment.pk}/history")
    assert response.status_code == expected, response.content
    if expected == 200:
        (entry,) = response.json()["results"]
        assert (entry["action"], entry["before"]["status"], entry["after"]["status"]) == (
            "withdraw",
            "enrolled",
            "withdrawn",
        )
        assert entry["actor_name"]


@by_role(OWN_ENROLMENT)
def test_get_an_enrolment(world, as_role, role, expected):
    response = as_role(role).get(f"/api/v1/enrollments/{world.enrollment.pk}")
    assert response.status_code == expected, response.content


@by_role(
    {
        **dict.fromkeys(CLASS_ROLES, []),
        "anonymous": 401,
        "own_learner": ["tn-truc-tiep-1"],
        "other_learner": ["hn-truc-tuyen-1"],
    }
)
def test_my_enrolments(world, as_role, role, expected):
    response = as_role(role).get("/api/v1/me/enrollments")
    if role == "anonymous":
        assert_error(response, expected)
        return
    classes = [e["training_class"]["code"] for e in response.json()["results"]]
    assert classes == expected


def test_a_learner_never_sees_another_learners_data(world, client_for):
    client = client_for(world.joiner.user)
    assert_error(client.get(f"/api/v1/learners/{world.learner.pk}"), 403)
    assert_error(client.get(f"/api/v1/enrollments/{world.enrollment.pk}"), 404)
    assert_error(client.get(f"/api/v1/enrollments/{world.enrollment.pk}/history"), 404)
    assert_error(client.get(f"/api/v1/classes/{world.training_class.pk}/roster"), 403)
    # The class itself is visible (open, their province and position) but shows no one's data.
    body = client.get(f"/api/v1/classes/{world.training_class.pk}").json()
    assert world.learner.national_id not in str(body) and "Nguyễn Văn An" not in str(body)


def test_a_self_enrolment_is_audited_with_the_learner_as_actor(world, client_for):
    client_for(world.joiner.user).post(f"/api/v1/classes/{world.training_class.pk}/join")
    enrollment = Enrollment.objects.get(learner=world.joiner)
    entry = AuditEntry.objects.get(entity="enrollment", entity_id=enrollment.pk)
    assert (entry.actor, entry.source, entry.after) == (
        world.joiner.user,
        "self",
        {"status": "enrolled", "source": "self"},
    )


# --- bounded queries -------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def test_roster_queries_do_not_grow_with_the_page(world, as_role, django_assert_max_num_queries):
    online = TrainingClassFactory(mode=ClassMode.ONLINE, trainers=[world.trainer])
    client = as_role("own_trainer")
    url = f"/api/v1/classes/{online.pk}/roster?page_size=100"
    for _ in range(5):
        EnrollmentFactory(training_class=online)
    with django_assert_max_num_queries(10):
        small = _count(client, url)
    for _ in range(45):
        EnrollmentFactory(training_class=online, status=EnrollmentStatus.WAITLISTED)
    with django_assert_max_num_queries(10):
        large = _count(client, url)
    assert small == large


def test_my_enrolments_and_history_queries_do_not_grow(world, client_for, django_assert_max_num_queries):
    learner = LearnerFactory()
    client = client_for(learner.user)
    for _ in range(5):
        EnrollmentFactory(learner=learner)
    with django_assert_max_num_queries(4):
        small = _count(client, "/api/v1/me/enrollments?page_size=100")
    for _ in range(45):
        EnrollmentFactory(learner=learner)
    with django_assert_max_num_queries(4):
        large = _count(client, "/api/v1/me/enrollments?page_size=100")
    assert small == large
