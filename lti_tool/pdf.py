"""HTML to PDF with WeasyPrint, for any part of the tool (support plans, referral letters, training records).

One function: an HTML string, the base URL its relative links resolve against, and the document's language in,
PDF bytes out. The PDF is tagged (PDF/UA-1: headings, lists, tables and reading order for screen readers) with
the language and title set. Nothing is fetched over the network: relative URLs may only name files under the
directories given in ``static_dirs`` (stylesheets, images), everything else is refused.

WeasyPrint needs Pango, HarfBuzz and fonts from the operating system (on Debian: ``libpango-1.0-0
libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core``; ``scripts/test`` and ``scripts/dev`` install them).
It is imported on first use, so the rest of the tool starts without those libraries.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

#: PDF/UA-1 is tagged PDF for accessibility; WeasyPrint adds the structure tags and requires a title and language.
PDF_VARIANT = "pdf/ua-1"


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries are missing."""


def _fetcher(weasyprint: Any, static_dirs: Iterable[Path], base_url: str) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [Path(d).resolve() for d in static_dirs]
    prefix = base_url.rstrip("/") + "/"

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        """Serves files under ``static_dirs`` for URLs under ``base_url``; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if roots and url.startswith(prefix):
                relative = unquote(urlsplit(url[len(prefix):]).path)
                for root in roots:
                    path = (root / relative).resolve()
                    if path.is_relative_to(root) and path.is_file():
                        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            raise ValueError(f"the PDF renderer fetches no outside resources ({urlsplit(url).scheme} URL refused)")

    return StaticOnly()


def render_pdf(html: str, *, base_url: str, lang: str, static_dirs: Iterable[Path] = (),
               identifier: str | None = None) -> bytes:
    """Render ``html`` (a whole document with ``<html lang>`` and ``<title>``) to tagged PDF bytes.

    Args:
        html: The document.
        base_url: What relative URLs in ``html`` resolve against; only files under ``static_dirs`` are read.
        lang: The document's language (BCP 47), written into the PDF for screen readers and hyphenation.
        static_dirs: Directories relative URLs may read from.
        identifier: An id written into the PDF's file identifier (e.g. the document id of an export).
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango/HarfBuzz libraries are missing
        raise PdfUnavailable(str(exc)) from exc
    if f'lang="{lang}"' not in html[:500]:
        html = html.replace("<html", f'<html lang="{lang}"', 1) if "<html" in html[:200] else html
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_fetcher(weasyprint, static_dirs, base_url))
    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT, "pdf_tags": True, "custom_metadata": True}
    if identifier:
        options["pdf_identifier"] = identifier.encode()[:32]
    try:
        return document.write_pdf(**options)
    except Exception as exc:  # pragma: no cover - WeasyPrint raises many kinds; the caller answers 503
        log.exception("PDF rendering failed")
        raise PdfUnavailable(str(exc)) from exc
