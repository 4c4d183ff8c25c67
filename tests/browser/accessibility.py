"""axe-core on every page the browser tests visit, in English and in Urdu.

Each browser context records the pages its tests open. When the context closes, every page it
showed (by GET: forms' results are pages reached by GET too) is opened again in the same
context, so with the same session, once as the test saw it and once in Urdu, right to left;
axe-core checks it, and every serious or critical violation is recorded. The browser fixtures
fail a test whose pages had any (conftest.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
IMPACTS = ("serious", "critical")
LANGUAGES = ("en", "ur")
MOST_PAGES = 40  # per context: enough for every test's path, bounded for the slow ones
# Run with the rules of WCAG 2.1 A and AA and axe's best practices.
RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""

# Swagger UI (django-ninja's API explorer, a developer tool drawn by its own script) is not
# ours to fix: its nested controls and grey-on-white labels are reported upstream-side.
NOT_AUDITED = ("/api/v1/docs",)

AXE_VIOLATIONS: list[str] = []
# The pages the audit opens: axe-core sets style attributes while it measures, which the
# Content-Security-Policy reports; the tests' own visits are what the CSP watch is for.
AUDIT_PAGES: set[int] = set()
AUDITED: list[str] = []  # "language url", for tests that check the audit ran


def record_visits(context: Any) -> list[str]:
    """The list the URLs of ``context``'s pages are written to as they are shown."""
    visits: list[str] = []

    def on_page(page: Any) -> None:
        def on_navigated(frame: Any) -> None:
            if frame == page.main_frame and frame.url.startswith("http"):
                url = urldefrag(frame.url).url
                if url not in visits:
                    visits.append(url)

        page.on("framenavigated", on_navigated)

    context.on("page", on_page)
    return visits


def audit(context: Any, visits: list[str]) -> None:
    """Check each visited page in English and in Urdu; record the serious and critical
    violations in AXE_VIOLATIONS."""
    if not visits:
        return
    page = context.new_page()
    AUDIT_PAGES.add(id(page))
    try:
        for url in [u for u in visits if not urlsplit(u).path.startswith(NOT_AUDITED)][:MOST_PAGES]:
            for language in LANGUAGES:
                _audit_one(page, url, language)
    finally:
        AUDIT_PAGES.discard(id(page))
        page.close()


def _audit_one(page: Any, url: str, language: str) -> None:
    page.set_extra_http_headers({"Accept-Language": language})
    response = page.goto(url, wait_until="load")
    if response is None or not response.ok:
        return
    if "text/html" not in (response.headers.get("content-type") or ""):
        return
    page.evaluate(AXE + "\n;undefined")
    AUDITED.append(f"{language} {url}")
    for violation in page.evaluate(RUN):
        if violation["impact"] in IMPACTS:
            AXE_VIOLATIONS.append(
                f"{url} [{language}] {violation['impact']} {violation['id']}: "
                f"{violation['help']} at {', '.join(violation['nodes'])}"
            )
