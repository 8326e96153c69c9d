"""Permission classes and queryset scoping shared by every app's API.

Object rules are enforced in the queryset as well as per object, so that list endpoints never
show what a detail endpoint would refuse.
"""

from django.db.models import Q, QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission

from courses.core.accounts import Role


def is_central_admin(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.CENTRAL_ADMIN))


def is_province_admin(user) -> bool:
    return bool(user and user.is_authenticated and not user.is_superuser and user.role == Role.PROVINCE_ADMIN)


def is_admin(user) -> bool:
    return is_central_admin(user) or is_province_admin(user)


def is_trainer(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.TRAINER and not user.is_superuser)


def is_learner(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.LEARNER and not user.is_superuser)


class ReadAnyWriteCentralAdmin(BasePermission):
    """National reference data: any signed-in user reads, only the ministry writes."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_central_admin(request.user)


class IsCentralAdmin(BasePermission):
    def has_permission(self, request, view):
        return is_central_admin(request.user)


class IsAdmin(BasePermission):
    """Central or provincial admin; what a provincial admin sees is narrowed by scope_by_province."""

    def has_permission(self, request, view):
        return is_admin(request.user)


def scope_by_province(queryset: QuerySet, user, *fields: str) -> QuerySet:
    """Narrow a queryset to what the user's province may see.

    `fields` are paths to a Province; a row is visible when any path leads to the admin's
    province, either directly or through a legacy unit rolled up into it. Central admins see
    everything; other roles get nothing here (their own scoping belongs to their endpoints).
    """
    if is_central_admin(user):
        return queryset
    if not is_province_admin(user) or not fields:
        return queryset.none()
    condition = Q()
    for path in fields:
        condition |= Q(**{path: user.province_id}) | Q(**{f"{path}__successor": user.province_id})
    return queryset.filter(condition).distinct() if len(fields) > 1 else queryset.filter(condition)
