"""Charts drawn on the server as SVG: no script, no network, readable in black and white.

Our own small module rather than pygal: the reports need two shapes (labelled horizontal bars
and grouped columns), and pygal's output leans on colour to tell series apart and on its
script for values (tooltips). Here every bar carries its number as text, series differ by
pattern (solid, hatched, outlined), and each chart has a title and a description for screen
readers; the page prints the same numbers in a table beside it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "font-family=\"'Noto Sans CJK KR', 'Noto Sans KR', sans-serif\" font-size=\"13\""
INK = "#111"
# Fills that stay apart on a black-and-white page: solid, hatched, outlined.
FILLS = ("solid", "hatch", "outline")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # what the bar's end says, e.g. "62.5% (5/8)"


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-t {chart_id}-d" {FONT}>'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        f"{_patterns(chart_id)}"
    )


def _patterns(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2.5"/></pattern></defs>'
    )


def _fill(kind: str, chart_id: str) -> str:
    if kind == "hatch":
        return f'fill="url(#{chart_id}-hatch)" stroke="{INK}"'
    if kind == "outline":
        return f'fill="#fff" stroke="{INK}" stroke-width="1.5"'
    return f'fill="#444" stroke="{INK}"'


def bars(
    rows: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    maximum: float | None = None,
) -> Markup:
    """Horizontal bars, one a row, each labelled on the left and numbered at its end."""
    label_width, bar_width, value_width, row_height = 190, 330, 130, 26
    width, height = label_width + bar_width + value_width, row_height * max(len(rows), 1) + 8
    top = maximum or max((row.value for row in rows), default=0) or 1
    parts = [_open(chart_id, width, height, title, description)]
    for index, row in enumerate(rows):
        y = 4 + index * row_height
        length = round(bar_width * max(row.value, 0) / top, 1)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">'
            f"{escape(row.label)}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row_height - 8}" '
            f"{_fill('solid', chart_id)}/>"
            f'<text x="{label_width + length + 6}" y="{y + 17}" fill="{INK}">'
            f"{escape(row.text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every value above is escaped or a number)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]


def columns(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
) -> Markup:
    """Grouped columns over `labels` (one group a label, one column a series), a legend on top;
    labels are written under as many groups as they fit under."""
    width, plot_width, plot_height, top_margin, axis = 700, 640, 160, 30, 40
    group_width = min(80.0, plot_width / max(len(labels), 1))
    longest = max((len(label) for label in labels), default=1) * 7 + 8
    every = max(1, -(-longest // int(max(group_width, 1))))
    height = top_margin + plot_height + axis
    top = max((v for s in series for v in s.values), default=0) or 1
    parts = [_open(chart_id, width, height, title, description), _legend(series, chart_id)]
    base = top_margin + plot_height
    parts.append(
        f'<line x1="48" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{INK}"/>'
        f'<text x="44" y="{top_margin + 10}" text-anchor="end" fill="{INK}">{top:,}</text>'
        f'<text x="44" y="{base}" text-anchor="end" fill="{INK}">0</text>'
    )
    column = group_width * 0.8 / max(len(series), 1)
    for index, label in enumerate(labels):
        x = 50 + index * group_width
        for number, one in enumerate(series):
            tall = round(plot_height * one.values[index] / top, 1)
            parts.append(
                f'<rect x="{x + number * column:.1f}" y="{base - tall}" width="{column:.1f}" '
                f'height="{tall}" {_fill(FILLS[number % len(FILLS)], chart_id)}/>'
            )
        if index % every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{base + 16}" fill="{INK}" font-size="11">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every value above is escaped or a number)


def _legend(series: Sequence[Series], chart_id: str) -> str:
    parts = []
    for number, one in enumerate(series):
        x = 50 + number * 130
        parts.append(
            f'<rect x="{x}" y="6" width="16" height="14" '
            f"{_fill(FILLS[number % len(FILLS)], chart_id)}/>"
            f'<text x="{x + 22}" y="18" fill="{INK}">{escape(one.name)}</text>'
        )
    return "".join(parts)
