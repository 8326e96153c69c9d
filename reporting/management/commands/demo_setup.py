import secrets

from django.core.management.base import BaseCommand
from django.db import transaction

from courses.models import Province, Role, User

DEMO_ACCOUNTS = [
    # username, role, full name, province code (current unit)
    ("admin", Role.CENTRAL_ADMIN, "Quản trị Bộ Nội vụ", None),
    ("sonoivu-thainguyen", Role.PROVINCE_ADMIN, "Sở Nội vụ Thái Nguyên", "19"),
    ("sonoivu-hanoi", Role.PROVINCE_ADMIN, "Sở Nội vụ Hà Nội", "01"),
    ("giangvien", Role.TRAINER, "Trần Thị Giảng", None),
    ("hocvien", Role.LEARNER, "Nguyễn Văn Học", "19"),
]


class Command(BaseCommand):
    help = "Create the demo accounts (with fresh passwords, printed) and the demo dataset. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        rows = []
        for username, role, full_name, province_code in DEMO_ACCOUNTS:
            province = Province.objects.current().get(code=province_code) if province_code else None
            user, _ = User.objects.update_or_create(
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
            # A new password each run: the demo prints working logins without keeping any in the repo.
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save(update_fields=["password"])
            rows.append((username, password, user.get_role_display()))
        self.stdout.write("Demo logins (username / password / role):")
        for username, password, role in rows:
            self.stdout.write(f"  {username:<22} {password:<14} {role}")
