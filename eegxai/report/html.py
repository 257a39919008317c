"""Self-contained HTML pages from sections of figures, tables and text.

Why Jinja2 and not :class:`mne.Report`: the report must open offline, be safe
against text that comes from data files (subject and channel names, readings,
config strings) and stay testable. A Jinja2 environment with ``autoescape=True``
escapes every interpolated value by construction, whereas ``mne.Report`` takes
tables and text as raw HTML (``add_html``), so every table would need hand
escaping anyway, and it inlines ~1 MB of JavaScript (Bootstrap, highlight.js)
for navigation that plain anchors and CSS provide here. Figures are PNGs
embedded as ``data:`` URIs; the page has no scripts and no external resources.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._io import atomic_path

__all__ = ["Section", "figure_item", "flag_item", "highlight_item", "image_item",
           "pre_item", "render_page", "sha256", "table_item", "text_item", "write_page"]

#: Resolution of embedded figures (dots per inch).
DPI = 90


@dataclass
class Section:
    """One numbered section of a report page.

    ``items`` are dicts made by the ``*_item`` helpers; ``subsections`` are
    (title, items) pairs (e.g. one per model).
    """

    id: str
    title: str
    items: list[dict] = field(default_factory=list)
    subsections: list[tuple[str, list[dict]]] = field(default_factory=list)


def figure_to_data_uri(fig, *, dpi: int = DPI) -> str:
    """PNG ``data:`` URI of a matplotlib figure; the figure is closed."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def figure_item(fig, title: str, caption: str) -> dict:
    """A figure (rendered now and embedded) with its title and caption."""
    return {"kind": "figure", "title": title, "caption": caption,
            "src": figure_to_data_uri(fig)}


def image_item(path: str | os.PathLike, title: str, caption: str) -> dict:
    """An existing PNG file, embedded."""
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return {"kind": "figure", "title": title, "caption": caption,
            "src": "data:image/png;base64," + data}


def table_item(columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
               title: str = "", caption: str = "") -> dict:
    """A table; floats are shown with 3 decimals, None as an en dash."""
    return {"kind": "table", "title": title, "caption": caption,
            "columns": list(columns),
            "rows": [[_cell(v) for v in row] for row in rows]}


def text_item(text: str) -> dict:
    """A paragraph of plain text (escaped)."""
    return {"kind": "text", "text": text}


def pre_item(text: str, *, title: str = "") -> dict:
    """Preformatted text (config, versions), escaped."""
    return {"kind": "pre", "title": title, "text": text}


def highlight_item(panels: Sequence[tuple[str, Sequence[tuple[str, str | None]]]], *,
                   title: str = "", caption: str = "") -> dict:
    """Texts with highlighted pieces, shown side by side (e.g. one per model).

    ``panels`` is a list of ``(label, segments)``; each segment is ``(text,
    background)`` with a CSS colour (e.g. ``"rgba(255,0,0,0.4)"``) or None.
    Text, labels and colours are escaped like every other value.
    """
    return {"kind": "highlight", "title": title, "caption": caption,
            "panels": [{"label": label, "segments": [list(s) for s in segments]}
                       for label, segments in panels]}


def flag_item(text: str, *, level: str = "warning") -> dict:
    """A highlighted notice; ``level`` is ``"warning"`` or ``"ok"``."""
    return {"kind": "flag", "text": text, "level": level}


def _cell(value: Any) -> str:
    import numpy as np

    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "–"
        return f"{value:.3f}"
    return str(value)


def sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #222; background: #fafafa; line-height: 1.4; }
header { background: #24364b; color: #fff; padding: 1em 2em; }
header h1 { margin: 0 0 .2em 0; font-size: 1.5em; }
header p { margin: 0; opacity: .85; }
nav { background: #e8edf2; padding: .5em 2em; position: sticky; top: 0; z-index: 1; }
nav a { margin-right: 1.2em; color: #24364b; text-decoration: none; font-size: .9em; }
main { padding: 0 2em 2em 2em; max-width: 1400px; }
section { background: #fff; border: 1px solid #dde3ea; border-radius: 6px;
          margin: 1.2em 0; padding: .5em 1.5em 1em 1.5em; }
h2 { border-bottom: 2px solid #24364b; padding-bottom: .2em; }
h3 { color: #24364b; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .88em; color: #444; max-width: 60em; }
figcaption b { color: #222; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: .6em 0; font-size: .88em; }
th, td { border: 1px solid #ccd4dd; padding: .25em .6em; text-align: left;
         vertical-align: top; }
th { background: #eef2f6; }
tr:nth-child(even) td { background: #f8fafc; }
.table-caption { font-size: .88em; color: #444; max-width: 60em; }
pre { background: #f4f4f4; padding: .8em; overflow-x: auto; font-size: .8em;
      max-height: 30em; }
.flag { padding: .6em 1em; border-radius: 4px; margin: .6em 0; }
.flag-warning { background: #fff3cd; border: 1px solid #e0c36b; }
.flag-ok { background: #e6f4ea; border: 1px solid #9fd0ab; }
footer { font-size: .8em; color: #666; padding: 1em 2em; }
.highlight { display: flex; gap: 1em; flex-wrap: wrap; }
.highlight > div { flex: 1 1 28em; border: 1px solid #dde3ea; padding: .5em;
                   white-space: pre-wrap; font-size: .85em; max-height: 40em;
                   overflow-y: auto; }
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p>{{ subtitle }}</p>
</header>
<nav>{% for s in sections %}<a href="#{{ s.id }}">{{ loop.index }}. {{ s.title }}</a>{% endfor %}</nav>
<main>
{% macro render_items(items) -%}
{% for item in items %}
{% if item.kind == "figure" %}
<figure class="report-figure" data-title="{{ item.title }}">
<img src="{{ item.src }}" alt="{{ item.title }}">
<figcaption><b>{{ item.title }}.</b> {{ item.caption }}</figcaption>
</figure>
{% elif item.kind == "table" %}
{% if item.title %}<h4>{{ item.title }}</h4>{% endif %}
<div class="table-wrap"><table class="report-table" data-title="{{ item.title }}">
<thead><tr>{% for c in item.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in item.rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></div>
{% if item.caption %}<p class="table-caption">{{ item.caption }}</p>{% endif %}
{% elif item.kind == "text" %}
<p>{{ item.text }}</p>
{% elif item.kind == "pre" %}
{% if item.title %}<h4>{{ item.title }}</h4>{% endif %}
<pre>{{ item.text }}</pre>
{% elif item.kind == "highlight" %}
{% if item.title %}<h4>{{ item.title }}</h4>{% endif %}
<div class="highlight">{% for p in item.panels %}<div><b>{{ p.label }}</b>
{% for text, color in p.segments %}{% if color %}<span style="background:{{ color }}">{{ text }}</span>{% else %}{{ text }}{% endif %}{% endfor %}</div>{% endfor %}</div>
{% if item.caption %}<p class="table-caption">{{ item.caption }}</p>{% endif %}
{% elif item.kind == "flag" %}
<p class="flag flag-{{ item.level }}">{{ item.text }}</p>
{% endif %}
{% endfor %}
{%- endmacro %}
{% for s in sections %}
<section id="{{ s.id }}">
<h2>{{ loop.index }}. {{ s.title }}</h2>
{{ render_items(s.items) }}
{% for sub_title, sub_items in s.subsections %}
<h3>{{ sub_title }}</h3>
{{ render_items(sub_items) }}
{% endfor %}
</section>
{% endfor %}
</main>
<footer>{{ footer }}</footer>
</body>
</html>
"""


def render_page(title: str, subtitle: str, sections: Sequence[Section], *,
                footer: str = "") -> str:
    """Render sections into one HTML document (every value HTML-escaped)."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_TEMPLATE).render(
        title=title, subtitle=subtitle, sections=list(sections), footer=footer)


def write_page(path: str | os.PathLike, html: str) -> Path:
    """Write ``html`` to ``path`` atomically."""
    path = Path(path)
    with atomic_path(path, suffix=".html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path


def provenance_items(inputs: Mapping[str, str | os.PathLike], *,
                     config: Mapping | None, recorded: Mapping | None) -> list[dict]:
    """Provenance: config, versions, seeds, date and input checksums."""
    import yaml

    from .._io import provenance

    now = provenance()
    items = [table_item(
        ["item", "value"],
        [("report date (UTC)", now["date"]), ("python", now["python"]),
         ("platform", now["platform"])]
        + ([("inputs made on", recorded.get("date")),
            ("inputs made with python", recorded.get("python"))] if recorded else []),
        title="Run")]
    versions = now["versions"]
    old = (recorded or {}).get("versions", {})
    items.append(table_item(
        ["package", "version (report)", "version (inputs)"],
        [(k, v, old.get(k)) for k, v in versions.items()],
        title="Package versions",
        caption="Versions at report time and as recorded in the provenance of the "
                "decoding-metrics input."))
    if config is not None:
        seed = config.get("seed") if isinstance(config, Mapping) else None
        items.append(text_item(f"Study seed: {seed} (seeds folds, network "
                               "initialization, permutations and perturbations)."))
        items.append(pre_item(yaml.safe_dump(_plain(config), sort_keys=False),
                              title="Configuration"))
    items.append(table_item(
        ["input", "file", "sha256"],
        [(name, os.fspath(path), sha256(path)) for name, path in inputs.items()],
        title="Input files",
        caption="SHA-256 checksum of every file the report was built from."))
    return items


def _plain(obj):
    """Config as plain Python types (Snakemake passes its own mapping types)."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)
