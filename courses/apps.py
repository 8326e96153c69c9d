from django.apps import AppConfig


class CoursesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courses"

    def ready(self):
        from courses import lookups  # noqa: F401 - registers field__any

        self._accounts_cache_follows_users()

    def _accounts_cache_follows_users(self):
        """Any change of an account is seen by the next request (courses.authentication)."""
        from django.db.models.signals import post_delete, post_save

        from courses.authentication import accounts
        from courses.models import User

        post_save.connect(accounts.changed, sender=User, dispatch_uid="accounts-cache-save")
        post_delete.connect(accounts.changed, sender=User, dispatch_uid="accounts-cache-delete")
