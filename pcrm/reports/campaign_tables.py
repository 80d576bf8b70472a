"""A campaign's report as tables and charts, in staff's words."""

from flask_babel import gettext as _

from pcrm.i18n import local_datetime
from pcrm.reports import charts, words
from pcrm.reports.campaign import CampaignReport
from pcrm.reports.metrics import Rate
from pcrm.reports.tables import Table


def _share(rate: Rate) -> str:
    return f"{rate.percent} ({rate.part:,}/{rate.whole:,})" if rate.whole else "–"


def funnel(report: CampaignReport) -> Table:
    f = report.funnel
    values = {step: getattr(f, step) for step in words.STEPS}
    rows = [
        [str(words.STEPS[step]), n, Rate(n, f.targeted).percent, str(words.STEP_MEANINGS[step])]
        for step, n in values.items()
    ]
    bars = [charts.Bar(row[0], row[1], f"{row[1]:,} ({row[2]})") for row in rows]
    chart = charts.bars(
        bars,
        chart_id="funnel",
        title=_("단계별 사람 수"),
        description=", ".join(f"{row[0]} {row[1]:,}" for row in rows),
    )
    header = [_("단계"), _("사람"), _("대상 대비"), _("무엇을 셌나")]
    return Table("funnel", _("단계별 사람 수"), header, rows, chart, numeric={1, 2})


def rates(report: CampaignReport) -> Table:
    rows = [
        [str(words.RATES[name][0]), rate.percent, _share(rate), str(words.RATES[name][1])]
        for name, rate in report.funnel.rates.items()
    ]
    header = [_("비율"), _("값"), _("나눈 값 (부분/전체)"), _("정의")]
    return Table("rates", _("비율과 그 정의"), header, rows, numeric={1, 2})


def aside(report: CampaignReport) -> Table:
    a = report.aside
    rows = [
        [_("영구 반송 (메시지)"), a.bounced_hard],
        [_("일시 반송 (메시지)"), a.bounced_soft],
        [_("보내지 못함 (메시지)"), a.failed],
        [_("발송 제외 (메시지)"), a.suppressed],
        [_("수신 거부 (사람)"), a.unsubscribed],
        [_("스팸 신고 (메시지)"), a.complaints],
        [_("기계 열람 (건)"), a.machine_opens],
        [_("기계만 연 메일 (메시지)"), a.machine_only],
    ]
    note = _("기계 열람은 메일 보안 검사와 개인정보 보호 프록시가 연 것으로, 열람에 넣지 않습니다.")
    return Table("aside", _("반송·거부·신고"), [_("항목"), _("수")], rows, note=note, numeric={1})


def channels(report: CampaignReport) -> Table:
    rows = [
        [
            str(words.CHANNELS[row.channel.value]), row.messages, row.sent, row.delivered,
            row.bounced, row.opened, row.clicked, row.responded,
            _share(row.rates["delivery"]), _share(row.rates["response"]),
        ]
        for row in report.channels
    ]  # fmt: skip
    header = [
        _("방법"), _("메시지"), _("발송"), _("전달"), _("반송"), _("열람"), _("클릭"),
        _("응답"), _("전달률 (전달÷발송)"), _("응답률 (응답÷전달)"),
    ]  # fmt: skip
    note = _("메시지 수로 셉니다. 문자는 열람을 알 수 없습니다.")
    return Table("channels", _("방법별"), header, rows, note=note, numeric=set(range(1, 10)))


def waves(report: CampaignReport) -> Table:
    rows = [
        [
            words.wave_name(w.number), str(words.CHANNELS[w.channel or "mixed"]),
            local_datetime(w.started_at), w.people, w.sent, w.delivered, w.clicked,
            w.answered, w.answered_total, _share(w.rates["uplift"]),
        ]
        for w in report.waves
    ]  # fmt: skip
    bars = [charts.Bar(row[0], row[7], _("%(n)s명", n=f"{row[7]:,}")) for row in rows]
    chart = charts.bars(
        bars,
        chart_id="waves",
        title=_("차수별 응답 (그 차수 뒤, 다음 차수 전)"),
        description=", ".join(f"{row[0]} {row[7]:,}" for row in rows),
    )
    header = [
        _("차수"), _("방법"), _("시작"), _("사람"), _("발송"), _("전달"), _("클릭"),
        _("이 차수 뒤 응답"), _("누적 응답"), _("알림 뒤 응답률 (이 차수 뒤 응답÷전달)"),
    ]  # fmt: skip
    note = _("응답은 그 사람의 첫 응답 시각이 속한 차수에 셉니다: 그 차수가 나간 뒤, 다음 차수 전.")
    return Table(
        "waves", _("차수별 (알림의 효과)"), header, rows, chart if rows else None, note,
        _("아직 나간 차수가 없습니다."), numeric=set(range(3, 10)),
    )  # fmt: skip


def links(report: CampaignReport) -> Table:
    rows = [
        [words.link_name(r.link_id, r.target), r.clicks, r.people, r.machine_clicks]
        for r in report.links
    ]
    header = [_("링크"), _("사람 클릭 (건)"), _("누른 메시지"), _("기계 클릭 (건)")]
    return Table(
        "links", _("링크별 클릭"), header, rows, empty=_("아직 누른 링크가 없습니다."),
        numeric={1, 2, 3},
    )  # fmt: skip


def delays(report: CampaignReport) -> Table:
    d = report.delays
    rows = [[str(words.DELAYS[code]), n] for code, n in d.buckets] if d.answered else []
    bars = [charts.Bar(row[0], row[1], _("%(n)s명", n=f"{row[1]:,}")) for row in rows]
    chart = charts.bars(
        bars,
        chart_id="delays",
        title=_("응답까지 걸린 시간"),
        description=_("중앙값 %(m)s", m=words.duration(d.median_seconds)),
    )
    note = _(
        "받은 메시지가 나간 때부터 응답까지. 중앙값 %(m)s (%(n)s명).",
        m=words.duration(d.median_seconds),
        n=f"{d.answered:,}",
    )
    return Table(
        "delays", _("응답까지 걸린 시간"), [_("걸린 시간"), _("사람")], rows,
        chart if rows else None, note, _("아직 응답이 없습니다."), numeric={1},
    )  # fmt: skip


def _timeline(report, key: str, title: str, fmt: str) -> Table:
    moments = report.timeline[key]
    rows = [[m.at.strftime(fmt), m.opens, m.clicks, m.answers] for m in moments]
    series = [
        charts.Series(_("열람"), [m.opens for m in moments]),
        charts.Series(_("클릭"), [m.clicks for m in moments]),
        charts.Series(_("응답"), [m.answers for m in moments]),
    ]
    chart = charts.columns(
        [row[0] for row in rows], series, chart_id=f"timeline-{key}", title=title,
        description=_("열람 %(o)s, 클릭 %(c)s, 응답 %(a)s",
                      o=f"{sum(r[1] for r in rows):,}", c=f"{sum(r[2] for r in rows):,}",
                      a=f"{sum(r[3] for r in rows):,}"),
    )  # fmt: skip
    header = [_("서울 시각"), _("열람 (사람)"), _("클릭 (사람)"), _("응답")]
    return Table(
        f"timeline-{key}", title, header, rows, chart if rows else None,
        _("메시지마다 첫 열람, 첫 클릭, 응답을 셉니다."), _("아직 반응이 없습니다."),
        numeric={1, 2, 3}, folded=key == "hours",
    )  # fmt: skip


def groups(report: CampaignReport, names: dict) -> list[Table]:
    tables = []
    for dimension, found in report.groups.items():
        title = _("%(d)s별 응답률", d=words.DIMENSIONS[dimension])
        rows = [
            [words.group_name(names, dimension, r.key), r.targeted, r.delivered, r.responded,
             _share(r.rate)]
            for r in found
        ]  # fmt: skip
        bars = [
            charts.Bar(row[0], r.rate.value or 0, _share(r.rate))
            for row, r in zip(rows, found, strict=True)
        ]
        chart = charts.bars(
            bars, chart_id=f"group-{dimension}", title=title, maximum=1,
            description=", ".join(f"{row[0]} {row[4]}" for row in rows),
        )  # fmt: skip
        header = [str(words.DIMENSIONS[dimension]), _("대상"), _("전달"), _("응답"),
                  _("응답률 (응답÷전달)")]  # fmt: skip
        tables.append(
            Table(f"group-{dimension}", title, header, rows, chart if rows else None,
                  empty=_("아직 대상이 없습니다."), numeric={1, 2, 3, 4})
        )  # fmt: skip
    return tables


def campaign_tables(report: CampaignReport) -> list[Table]:
    """Every table of the campaign's report, in the order of the page."""
    return [
        funnel(report),
        rates(report),
        aside(report),
        channels(report),
        waves(report),
        links(report),
        delays(report),
        _timeline(report, "days", _("날짜별 반응"), "%m-%d"),
        _timeline(report, "hours", _("시간별 반응 (처음 72시간)"), "%m-%d %H시"),
        *groups(report, words.group_names()),
    ]
