import secrets

from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Programme, Province, Role, User
from courses.services.accounts import account_password_set
from enrollment.rules.attendance import CHECK_IN_OPENS_BEFORE
from reporting.services.demo import PLAN, demo_dataset_load, demo_progress_compute

DEMO_ACCOUNTS = [
    # username, role, full name, province code (current unit)
    ("admin", Role.CENTRAL_ADMIN, "Quản trị Bộ Nội vụ", None),
    ("sonoivu-thainguyen", Role.PROVINCE_ADMIN, "Sở Nội vụ Thái Nguyên", "19"),
    ("sonoivu-hanoi", Role.PROVINCE_ADMIN, "Sở Nội vụ Hà Nội", "01"),
    ("giangvien", Role.TRAINER, "Trần Thị Giảng", None),
]


def _renew_password(user: User) -> str:
    # A new password each run: the demo prints working logins without keeping any in the repo.
    # Not to be changed at first sign-in: the printed password must keep working for the README's
    # walk-through and its curl examples, whatever page the newcomer opens first.
    password = secrets.token_urlsafe(9)
    account_password_set(user=user, password=password, change_required=False)
    return password


class Command(BaseCommand):
    help = (
        "Create the demo accounts and dataset (two provinces, online and in-person classes, sessions, "
        "attendance), aggregate it, and print the logins with fresh passwords. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="where the server will answer, for the start pages printed (make demo passes HOST and PORT)",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            users = {}
            for username, role, full_name, province_code in DEMO_ACCOUNTS:
                province = Province.objects.current().get(code=province_code) if province_code else None
                users[username], _ = User.objects.update_or_create(
                    username=username,
                    defaults={
                        "role": role,
                        "full_name": full_name,
                        "province": province,
                        # The Django admin is the ministry's tool; provinces work through the scoped API.
                        "is_staff": role == Role.CENTRAL_ADMIN,
                        "is_superuser": role == Role.CENTRAL_ADMIN,
                    },
                )
            dataset = demo_dataset_load(admin=users["admin"], trainer=users["giangvien"])
            learner = User.objects.get(username=dataset.learner_username)
        # After the commit: the recomputes the dataset enqueued have run, and the rebuild sees them.
        demo_progress_compute()

        rows = [(u.username, _renew_password(u), u.get_role_display()) for u in users.values()]
        rows.append(
            (
                learner.username,
                _renew_password(learner),
                f"{learner.get_role_display()} ({learner.full_name})",
            )
        )
        self.stdout.write(f"Demo classes: {', '.join(dataset.classes)}")
        self.stdout.write("Demo logins (username / password / role):")
        for username, password, role in rows:
            self.stdout.write(f"  {username:<22} {password:<14} {role}")
        self._walk_through(options["base_url"].rstrip("/"), {r[0]: r[1] for r in rows}, learner, dataset)

    def _walk_through(self, base: str, passwords: dict, learner: User, dataset) -> None:
        """The two start pages, with what each person can do there right now."""

        def at(moment):
            return timezone.localtime(moment).strftime("%H:%M %d/%m")

        login = f"{base}{reverse('login')}"
        session = dataset.check_in_session
        self.stdout.write(f"Start pages (sign in at {login}):")
        self.stdout.write(
            f"  Learner  {base}{reverse('portal:my_classes')}  username {learner.username}  "
            f"password {passwords[learner.username]}"
        )
        self.stdout.write(
            f"           join “{dataset.open_class.code}” (open, online), then check in to its session "
            f"at {at(session.starts_at)} (check-in open from {at(session.starts_at - CHECK_IN_OPENS_BEFORE)}): "
            f"{base}{reverse('portal:session', args=[session.pk])}"
        )
        trainer = "giangvien"
        self.stdout.write(
            f"  Trainer  {base}{reverse('portal:trainer_sessions')}  username {trainer}  "
            f"password {passwords[trainer]}"
        )
        marking = dataset.marking_session
        if marking is None:
            self.stdout.write(
                "           (the running demo class was closed by hand: no session to mark today)"
            )
        else:
            self.stdout.write(
                f"           mark today's session of “{marking.training_class.code}” "
                f"({at(marking.starts_at)}): {base}{reverse('portal:trainer_roster', args=[marking.pk])}"
            )
        # The dashboard opens on the running period (2026-2030), which has no classes yet; the
        # demo's classes count towards 2021-2025, so its address names that period.
        plan = Programme.objects.get(code=PLAN)
        self.stdout.write(
            f"  Admin    {base}{reverse('dashboard')}?programme={plan.pk}  username admin  "
            f"password {passwords['admin']}  (the {plan.period_start.year}-{plan.period_end.year} period, "
            "where the demo's classes count; the dashboard opens on the running period)"
        )
