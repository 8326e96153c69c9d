"""A model viewset whose writes take one serializer and answer with another.

Writes take ids or codes; reads show labels and nested summaries. After a write the object is
read back through `get_queryset()` so that the answer carries the same annotations and prefetched
relations as a GET would.
"""

from django.db import transaction
from rest_framework import status, viewsets
from rest_framework.response import Response

WRITE_ACTIONS = frozenset({"create", "update", "partial_update"})


class AtomicWritesMixin:
    """Each write commits whole with what it sets off in its transaction (a cached answer's
    version replaced, a stale mark), or not at all: a report cache that cannot be reached refuses
    the change with a 503 before it commits, rather than leave answers computed before it
    (courses.core.versioned_cache)."""

    def perform_create(self, serializer):
        with transaction.atomic():
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with transaction.atomic():
            super().perform_update(serializer)

    def perform_destroy(self, instance):
        with transaction.atomic():
            super().perform_destroy(instance)


class ReadWriteModelViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    serializer_class = None  # the detail representation, also returned by writes
    list_serializer_class = None  # a lighter representation for lists; defaults to serializer_class
    write_serializer_class = None  # defaults to serializer_class

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS and self.write_serializer_class is not None:
            return self.write_serializer_class
        if self.action == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        return self.serializer_class

    def read_back(self, instance, status_code):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(
            self.serializer_class(instance, context=self.get_serializer_context()).data, status=status_code
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            instance = serializer.save()
        return self.read_back(instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            instance = serializer.save()
        return self.read_back(instance, status.HTTP_200_OK)
