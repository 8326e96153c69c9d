"""The password check of every sign-in form (the API's token endpoint, the dashboard, the Django
admin): Django's, refused while the account or the address has failed too often, each failure
counted (courses.core.throttling)."""

from django.contrib.auth import backends

from courses.core import throttling


class ModelBackend(backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(backends.UserModel.USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = str(username)
        if throttling.wait(request, username) is not None:
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttling.failed(request, username)
        return user
