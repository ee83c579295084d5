"""An accessible SVG bar chart of completion per item: title and description, text labels with the numbers.

Each activity's full name is written on its own line(s) above its bar, wrapped rather than cut off, so long
module titles stay readable; the same numbers are in the ``<desc>`` and in the table next to the chart.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 640
BAR_WIDTH = 420
BAR_HEIGHT = 22
LINE_HEIGHT = 20
GAP = 18
#: Characters per label line: at the chart's font size this fits the chart's width.
WRAP = 64


@dataclass(frozen=True)
class Bar:
    """One bar: a label and ``done`` of ``total``."""

    label: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        """Return the share done, rounded to a whole percent."""
        return round(self.done * 100 / self.total) if self.total else 0


def label_lines(label: str, width: int = WRAP) -> list[str]:
    """Return the label wrapped into whole lines (words longer than a line are broken, never dropped)."""
    return textwrap.wrap(label, width, break_long_words=True) or [""]


def completion_chart(bars: list[Bar], *, chart_id: str = "completion-chart") -> Markup:
    """Return inline SVG markup; the numbers are written next to each bar, so colour carries no meaning alone."""
    title = _("Completion per activity")
    if not bars:
        return Markup("")
    desc = "; ".join(_("%(label)s: %(done)s of %(total)s learners completed (%(percent)s %%)", label=b.label,
                       done=b.done, total=b.total, percent=b.percent) for b in bars)
    parts: list[str] = []
    y = GAP
    for bar in bars:
        lines = label_lines(bar.label)
        text = "".join(f'<tspan x="0" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                       for i, line in enumerate(lines))
        parts.append(f'<g><text x="0" y="{y + 14}" class="chart-label">{text}</text>')
        y += len(lines) * LINE_HEIGHT + 4
        filled = round(BAR_WIDTH * bar.percent / 100)
        parts.append(f'<rect x="0" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" class="chart-track"/>'
                     f'<rect x="0" y="{y}" width="{filled}" height="{BAR_HEIGHT}" class="chart-bar"/>'
                     f'<text x="{BAR_WIDTH + 10}" y="{y + 16}" class="chart-value">'
                     f'{bar.percent} % ({bar.done}/{bar.total})</text></g>')
        y += BAR_HEIGHT + GAP
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {y}" '
            f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
            f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(parts) + "</svg>")
