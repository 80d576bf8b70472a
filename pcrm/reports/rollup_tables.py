"""Project, department and district reports as tables and charts, in staff's words."""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pcrm.i18n import local_datetime, localized
from pcrm.labels import label
from pcrm.reports import charts
from pcrm.reports.metrics import BASELINE, Funnel
from pcrm.reports.rollup import CampaignLine, Sum
from pcrm.reports.tables import Link, Table


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _figures(f: Funnel) -> list:
    """Response first: it is the headline; then how far the messages got."""
    return [
        f.targeted, f.delivered, f.responded, _rate(f.responded, f.delivered),
        _rate(f.delivered, f.sent), _rate(f.opened, f.emailed), _rate(f.clicked, f.delivered),
    ]  # fmt: skip


FIGURES = (
    _l("대상"), _l("전달"), _l("응답"), _l("응답률 (응답÷전달)"), _l("전달률 (전달÷발송)"),
    _l("열람률 (열람÷메일 전달)"), _l("클릭률 (클릭÷전달)"),
)  # fmt: skip


def _figure_header() -> list[str]:
    return [str(word) for word in FIGURES]


def _rate_bars(rows, *, chart_id: str, title: str, baseline: tuple[str, float] | None = None):
    """Bars of a rate per row: (label, part, whole); an optional baseline bar first."""
    bars = [
        charts.Bar(name, part / whole if whole else 0, _rate(part, whole))
        for name, part, whole in rows
    ]
    if baseline:
        bars.insert(0, charts.Bar(baseline[0], baseline[1], f"{100 * baseline[1]:.0f}%"))
    description = ", ".join(f"{bar.label} {bar.text}" for bar in bars)
    return charts.bars(bars, chart_id=chart_id, title=title, description=description, maximum=1)


def campaigns_table(lines: list[CampaignLine], *, with_project: bool = False) -> Table:
    """Every campaign side by side: its rates and its survey results."""
    rows = []
    for line in lines:
        c = line.campaign
        results = (
            Link(_("설문 결과"), url_for("surveys.results_page", survey_id=c.survey_id))
            if c.survey_id else ""
        )  # fmt: skip
        rows.append([
            Link(c.name, url_for("reports.campaign", campaign_id=c.id)),
            *([localized(c.project)] if with_project else []),
            label(c.status), local_datetime(c.launched_at), *_figures(line.funnel), results,
        ])  # fmt: skip
    header = [_("캠페인"), *([_("사업")] if with_project else []), _("상태"), _("발송 시작"),
              *_figure_header(), _("설문 결과")]  # fmt: skip
    first = 4 if with_project else 3
    launched = [line for line in lines if line.funnel.delivered]
    chart = _rate_bars(
        [(line.campaign.name, line.funnel.responded, line.funnel.delivered) for line in launched],
        chart_id="campaigns", title=_("캠페인별 응답률 (응답÷전달)"),
    ) if launched else None  # fmt: skip
    return Table(
        "campaigns", _("캠페인별"), header, rows, chart,
        _("사람 수는 캠페인마다 셉니다. 비율이 나눈 값은 각 열 제목에 있습니다."),
        _("아직 캠페인이 없습니다."), numeric=set(range(first, first + 7)),
    )  # fmt: skip


def sums_table(sums: list[Sum], *, key: str, title: str, name, chart_title: str) -> Table:
    rows = [[name(s.key), s.campaigns, *_figures(s.funnel)] for s in sums]
    header = [title, _("캠페인"), *_figure_header()]
    reached = [s for s in sums if s.funnel.delivered]
    chart = _rate_bars(
        [(name(s.key), s.funnel.responded, s.funnel.delivered) for s in reached],
        chart_id=key, title=chart_title,
    ) if reached else None  # fmt: skip
    return Table(
        key, chart_title, header, rows, chart, empty=_("아직 발송한 캠페인이 없습니다."),
        numeric=set(range(1, 9)),
    )  # fmt: skip


def baseline_table(sums: list[Sum]) -> Table:
    """Delivery and open rates per department beside the office's own before this service."""
    reached = [s for s in sums if s.funnel.sent]
    before = _("이전 시스템 (기준)")
    delivery = _rate_bars(
        [(localized(s.key), s.funnel.delivered, s.funnel.sent) for s in reached],
        chart_id="baseline-delivery", title=_("전달률: 부서별과 이전 시스템"),
        baseline=(before, BASELINE["email_delivery_success_rate"]),
    )  # fmt: skip
    opened = _rate_bars(
        [(localized(s.key), s.funnel.opened, s.funnel.emailed) for s in reached],
        chart_id="baseline-open", title=_("열람률: 부서별과 이전 시스템"),
        baseline=(before, BASELINE["open_rate_of_delivered"]),
    )  # fmt: skip
    rows = [[before, f"{100 * BASELINE['email_delivery_success_rate']:.0f}%",
             f"{100 * BASELINE['open_rate_of_delivered']:.0f}%"]]  # fmt: skip
    rows += [
        [localized(s.key), _rate(s.funnel.delivered, s.funnel.sent),
         _rate(s.funnel.opened, s.funnel.emailed)]
        for s in reached
    ]  # fmt: skip
    header = [_("부서"), _("전달률 (전달÷발송)"), _("열람률 (열람÷메일 전달)")]
    note = _("이전 시스템: 2015년 전 설문 메일의 82%가 전달되고 그중 9%가 열람되었습니다.")
    title = _("이전 시스템과 비교")
    return Table("baseline", title, header, rows, delivery + opened, note, numeric={1, 2})
