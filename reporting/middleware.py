"""Cached report answers served from the middleware stack, as Django's own cache middleware
serves cached pages: before the CSRF, authentication and messages middleware, URL resolution's
view call and DRF's request handling, which a dashboard's readers would otherwise pay on every
request for an answer already computed.

An answer is served here only when ReportView.answer_cached finds every check already passed
(a bearer token this process validated, the account as last read, its version still current, an
answer stored for all the request depends on); any other request goes on down the stack and
takes the full path, which authenticates, checks, computes and stores.
"""

from django.urls import Resolver404, resolve

from reporting.views_reports import ReportView

# Every report path has this segment; other requests are not even resolved here.
REPORTS_SEGMENT = "/reports/"


class CachedReportAnswerMiddleware:
    """After SessionMiddleware, LocaleMiddleware (the answer's language), CommonMiddleware (the
    host checked) and XFrameOptionsMiddleware (its header); before the others."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and REPORTS_SEGMENT in request.path_info:
            answer = self.answer(request)
            if answer is not None:
                return answer
        return self.get_response(request)

    @staticmethod
    def answer(request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        view_class = getattr(match.func, "view_class", None)
        if view_class is None or not issubclass(view_class, ReportView):
            return None
        view = view_class(**getattr(match.func, "view_initkwargs", {}))
        view.setup(request, *match.args, **match.kwargs)  # as View.as_view would (HEAD, Allow)
        return view.answer_cached(request, match.kwargs)
