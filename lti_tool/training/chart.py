"""An accessible SVG bar chart of completion per item: title and description, text labels with the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 14
LABEL_WIDTH = 320
BAR_WIDTH = 360
VALUE_WIDTH = 170


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


def completion_chart(bars: list[Bar], *, chart_id: str = "completion-chart") -> Markup:
    """Return inline SVG markup; the numbers are written next to each bar, so colour carries no meaning alone."""
    title = _("Completion per activity")
    if not bars:
        return Markup("")
    desc = "; ".join(_("%(label)s: %(done)s of %(total)s learners completed (%(percent)s %%)", label=b.label,
                       done=b.done, total=b.total, percent=b.percent) for b in bars)
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        label = bar.label if len(bar.label) <= 36 else bar.label[:35] + "…"  # full text is in <desc> and the table
        filled = round(BAR_WIDTH * bar.percent / 100)
        parts.append(f'<g><text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.72:.0f}" text-anchor="end" '
                     f'class="chart-label">{escape(label)}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" class="chart-track"/>'
                     f'<rect x="{LABEL_WIDTH}" y="{y}" width="{filled}" height="{BAR_HEIGHT}" class="chart-bar"/>'
                     f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + BAR_HEIGHT * 0.72:.0f}" class="chart-value">'
                     f'{bar.percent} % ({bar.done}/{bar.total})</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
