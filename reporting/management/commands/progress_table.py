"""Print the national progress table against the targets, from the live rollup generation.

    python manage.py progress_table                       # the current programme, nationwide
    python manage.py progress_table --programme qd-1600-2016-2020 --province 19 --year 2024

One row per level (central institutions, provinces, e-learning) and the total: target, lượt
achieved, rate, classes held of planned, learners in progress, and the pace projected to the end
of the period. Run rebuild_progress first for figures from scratch.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from courses.models import Programme, Province
from reporting.selectors.reports_progress import report_summary
from reporting.selectors.reports_scope import Scope, programme_current


def _n(value) -> str:
    return "-" if value is None else f"{value:,}".replace(",", ".")


def _pct(value) -> str:
    return "-" if value is None else f"{value:.2f}%".replace(".", ",")


class Command(BaseCommand):
    help = "Print the national (or one province's) progress against the targets, per level and in total."

    def add_arguments(self, parser):
        parser.add_argument(
            "--programme", metavar="CODE", help="Programme code (default: the current programme)."
        )
        parser.add_argument(
            "--province", metavar="CODE", help="A current province's statistics code, e.g. 19."
        )
        parser.add_argument("--year", type=int, help="One year instead of the whole period.")

    def handle(self, *args, programme=None, province=None, year=None, **options):
        with translation.override("vi"):
            self._print(programme, province, year)

    def _print(self, programme_code, province_code, year):
        if programme_code:
            programme = Programme.objects.filter(code=programme_code).first()
            if programme is None:
                raise CommandError(f"no programme with code {programme_code}")
        else:
            programme = programme_current()
            if programme is None:
                raise CommandError("no programme: run load_reference_data first")
        scope = Scope()
        if province_code:
            unit = Province.objects.current().filter(code=province_code).first()
            if unit is None:
                raise CommandError(f"no current province with code {province_code}")
            scope = Scope(unit)
        data = report_summary(programme=programme, scope=scope, year=year or 0)

        write = self.stdout.write
        write("BÁO CÁO KẾT QUẢ BỒI DƯỠNG CÁN BỘ, CÔNG CHỨC CẤP XÃ")
        write(
            f"{programme.title_vi} ({programme.decision_number}), {programme.period_start:%d/%m/%Y} - {programme.period_end:%d/%m/%Y}"
        )
        computed = data["computed_at"]
        when = (
            f"{timezone.localtime(computed):%H:%M %d/%m/%Y}"
            if computed
            else "chưa có số liệu (chạy rebuild_progress)"
        )
        write(f"{scope.unit} — {scope.name}{f' — năm {year}' if year else ''}; số liệu tính lúc {when}")
        headings = [
            "Cấp thực hiện",
            "Chỉ tiêu",
            "Đã thực hiện",
            "Tỷ lệ",
            "Lớp KT/KH",
            "Đang học",
            "Dự kiến",
            "Dự kiến tỷ lệ",
        ]
        rows = []
        for row in [*data["levels"], data["total"]]:
            rows.append(
                [
                    "Tổng cộng" if row["level"] == "" else row["label"],
                    _n(row["target_luot"]),
                    _n(row["achieved_luot"]),
                    _pct(row["rate_percent"]),
                    f"{_n(row['classes_held'])}/{_n(row['classes_planned'])}",
                    _n(row["in_progress"]),
                    _n(row["projected_luot"]),
                    _pct(row["projected_rate_percent"]),
                ]
            )
        widths = [max(len(str(r[i])) for r in [headings, *rows]) for i in range(len(headings))]

        def line(cells):
            first = cells[0].ljust(widths[0])
            rest = "  ".join(str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
            return f"{first}  {rest}"

        write(line(headings))
        write("-" * len(line(headings)))
        for row in rows[:-1]:
            write(line(row))
        write("-" * len(line(headings)))
        write(line(rows[-1]))
