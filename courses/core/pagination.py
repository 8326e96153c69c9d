from django.conf import settings
from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination

from courses.core.errors import DomainError


class BoundedPageNumberPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's own, except that a page that is not one (0, -1, "x", past the last) is a bad
        # parameter, a 400 naming `page` (documented on every list by courses.core.openapi), not a 404.
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            raise DomainError(
                message=_("Không có trang này: số trang từ 1 đến %(last)d.") % {"last": paginator.num_pages},
                field=self.page_query_param,
            ) from None
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)
