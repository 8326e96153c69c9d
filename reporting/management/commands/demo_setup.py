import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from courses.models import Province, Role, User
from reporting.services.demo import demo_dataset_load, demo_progress_compute

DEMO_ACCOUNTS = [
    # username, role, full name, province code (current unit)
    ("admin", Role.CENTRAL_ADMIN, "Quản trị Bộ Nội vụ", None),
    ("sonoivu-thainguyen", Role.PROVINCE_ADMIN, "Sở Nội vụ Thái Nguyên", "19"),
    ("sonoivu-hanoi", Role.PROVINCE_ADMIN, "Sở Nội vụ Hà Nội", "01"),
    ("giangvien", Role.TRAINER, "Trần Thị Giảng", None),
]


def _renew_password(user: User) -> str:
    # A new password each run: the demo prints working logins without keeping any in the repo.
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


class Command(BaseCommand):
    help = (
        "Create the demo accounts and dataset (two provinces, online and in-person classes, sessions, "
        "attendance), aggregate it, and print the logins with fresh passwords. Idempotent."
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
