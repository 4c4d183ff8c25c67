"""The translation catalogues: extract every marked string, find those without a translation,
compile. ``bureau messages`` (and ``make messages``) runs it; a test runs the check.

The catalogues live in ``bureau/locale/<language>/LC_MESSAGES/django.po`` and their compiled
``django.mo`` is committed beside them, so a fresh clone needs no gettext tools to run; the
check also fails when a ``.mo`` no longer says what its ``.po`` says.
"""

from __future__ import annotations

import gettext
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

# Every language but English, the one the code is written in.
TRANSLATED = ("az", "ur")
# Only the product's own code: not the virtualenv, tests, benchmarks or build output.
IGNORE = [".venv", "venv", "bench", "tests", "*/tests/*", "build", "docs", "node_modules"]


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def po_path(language: str, root: Path | None = None) -> Path:
    return (root or locale_dir()) / language / "LC_MESSAGES" / "django.po"


def extract(
    root: Path, languages: tuple[str, ...] = TRANSLATED, *, source: Path | None = None
) -> None:
    """Run makemessages over the project (or a copy of it, ``source``): the catalogues of
    ``bureau/locale`` are updated in place, those of a copy are written under ``root``."""
    here = Path.cwd()
    os.chdir(source or Path(settings.BASE_DIR))
    try:
        with override_settings(LOCALE_PATHS=[root]):
            call_command(
                "makemessages",
                locale=list(languages),
                ignore_patterns=IGNORE,
                no_obsolete=True,
                verbosity=0,
            )
    finally:
        os.chdir(here)


# The folders whose files hold strings to translate.
SOURCES = ("bureau", "config")
SOURCE_SUFFIXES = (".py", ".html", ".txt", ".xml")


def _copy_sources(source: Path, target: Path) -> None:
    def ignored(folder: str, names: list[str]) -> list[str]:
        return [
            name
            for name in names
            if name in ("locale", "tests", "__pycache__", "migrations")
            or (Path(folder, name).is_file() and not name.endswith(SOURCE_SUFFIXES))
        ]

    shutil.copytree(source, target, ignore=ignored)


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _key(message: object) -> str:
    ident = message.id  # type: ignore[attr-defined]
    text = ident if isinstance(ident, str) else "\x00".join(ident)
    context = message.context  # type: ignore[attr-defined]
    return f"{context}\x04{text}" if context else text


def _translated(message: object) -> bool:
    string = message.string  # type: ignore[attr-defined]
    forms = [string] if isinstance(string, str) else list(string)
    return bool(forms) and all(forms) and not message.fuzzy  # type: ignore[attr-defined]


@dataclass
class Gaps:
    """What the catalogues lack, per language."""

    untranslated: dict[str, list[str]] = field(default_factory=dict)
    stale_mo: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(self.untranslated.values()) or bool(self.stale_mo)

    def report(self) -> str:
        lines = []
        for language, missing in self.untranslated.items():
            for text in missing:
                lines.append(f"{language}: no translation for {text!r}")
        lines += [f"{path}: out of date, run `make messages`" for path in self.stale_mo]
        return "\n".join(lines)


def check(languages: tuple[str, ...] = TRANSLATED) -> Gaps:
    """Extract the code's strings afresh (into a temporary folder) and list every one that the
    committed catalogues do not translate, and every compiled catalogue that is out of date."""
    gaps = Gaps()
    with tempfile.TemporaryDirectory() as tmp:
        # makemessages writes into any 'locale' folder it finds: extract from a copy without one.
        source = Path(tmp) / "source"
        for part in SOURCES:
            _copy_sources(Path(settings.BASE_DIR) / part, source / part)
        extract(Path(tmp) / "locale", languages, source=source)
        for language in languages:
            committed = _read(po_path(language))
            done = {_key(m) for m in committed if m.id and _translated(m)}
            fresh = _read(po_path(language, Path(tmp) / "locale"))
            gaps.untranslated[language] = sorted(
                _key(m).replace("\x00", " | ") for m in fresh if m.id and _key(m) not in done
            )
    gaps.stale_mo = [str(p) for p in (po_path(lang) for lang in languages) if _stale_mo(p)]
    return gaps


def _stale_mo(po: Path) -> bool:
    """Whether ``django.mo`` beside ``po`` translates anything differently from it."""
    mo = po.with_suffix(".mo")
    if not mo.exists():
        return True
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _read(po):
        if not message.id or not _translated(message):
            continue
        if isinstance(message.id, str):
            expected = message.string
            actual = (
                compiled.pgettext(message.context, message.id)
                if message.context
                else (compiled.gettext(message.id))
            )
            if actual != expected:
                return True
        else:
            forms = list(message.string or ())
            for n, form in ((1, forms[0]), (2, forms[-1])):
                if compiled.ngettext(message.id[0], message.id[1], n) != form:
                    return True
    return False


def update() -> Gaps:
    """Merge the code's strings into the committed catalogues, compile them, and say what is
    left to translate."""
    extract(locale_dir())
    here = Path.cwd()
    os.chdir(settings.BASE_DIR)
    try:
        call_command(
            "compilemessages", locale=list(TRANSLATED), ignore_patterns=IGNORE, verbosity=0
        )
    finally:
        os.chdir(here)
    return check()
