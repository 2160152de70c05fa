"""The reader's language: message catalogue, numbers and fonts of every page, sheet and summary.

Used by the exports and the CLI (``results -> exports / cli``); it imports nothing of
circflow's. English is the default and the source language: code marks each string a
reader sees with ``_()`` (``N_()`` for module-level constants translated later,
``ngettext`` for counts, ``pgettext`` for a word with two meanings), and
``circflow/locale/<lang>/LC_MESSAGES/circflow.po`` holds the translations. The catalogue is
Python's standard `gettext` (GNU ``.po`` files, read by `gettext.GNUTranslations`); the
``.po`` text is compiled into the ``.mo`` format in memory on first use, so the repository
holds no binary and a translator edits one text file.

A language is chosen per run: ``park: {lang: zh}`` in the park file, or ``--lang zh`` on
the command line; it travels in ``results.json`` (``lang``) so that a page redrawn later
keeps it. Exports call `language` with it; code below reads the current one.

    >>> with language("zh"):
    ...     _("annual saving"), compact(1.66e8), compact(2.5e5)
    ('年节省', '1.66 亿', '25 万')
    >>> compact(1.66e8)
    '166 million'
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import functools
import gettext
import io
import math
import pathlib
import struct
from collections.abc import Iterator

LANGUAGES = ("en", "zh")
"""Languages circflow writes; ``en`` is the source language."""
DEFAULT = "en"
DOMAIN = "circflow"
CONTEXT = "\x04"
"""Between a message's context and its msgid in the catalogue's keys (gettext's convention)."""
LOCALE_DIR = pathlib.Path(__file__).parent / "locale"

HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The ``lang`` attribute of a page, so browsers pick Chinese glyph forms and fonts."""

FONT_STACK = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)
"""Latin fonts first (numbers and park names keep their shapes), then the common CJK fonts of
Linux, macOS and Windows, so Chinese text never falls back to whatever the system finds."""

_current: contextvars.ContextVar[str] = contextvars.ContextVar("circflow_language", default=DEFAULT)


def check_language(lang: str | None) -> str:
    """``lang`` as circflow knows it (None: the default); a ValueError names the choices."""
    if lang is None:
        return DEFAULT
    code = str(lang).strip().lower().replace("_", "-")
    code = {"zh-cn": "zh", "zh-hans": "zh", "cn": "zh", "en-gb": "en", "en-us": "en"}.get(code, code)
    if code not in LANGUAGES:
        msg = f"unknown language {lang!r}; circflow writes {', '.join(LANGUAGES)}"
        raise ValueError(msg)
    return code


@contextlib.contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Write in ``lang`` (None: keep the current one) within the block."""
    code = current() if lang is None else check_language(lang)
    token = _current.set(code)
    try:
        yield code
    finally:
        _current.reset(token)


def current() -> str:
    """The language being written."""
    return _current.get()


def _(message: str) -> str:
    """``message`` in the current language (itself in English, or when the catalogue lacks it)."""
    return _translations(current()).gettext(message)


def N_(message: str) -> str:  # the gettext convention
    """Mark ``message`` for the catalogue without translating it now (module-level constants)."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for ``count`` things (Chinese has one form)."""
    return _translations(current()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language as meant in ``context`` (the ``.po`` entry's ``msgctxt``):
    the same English word with two meanings, e.g. ``reading`` a file and a value's ``reading``."""
    return _translations(current()).pgettext(context, message)


def join(items: list[str]) -> str:
    """Words as a list is written: ``a, b and c``; 甲、乙和丙."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return _(", ").join(items[:-1]) + _(" and ") + items[-1]


def sentences(*parts: str) -> str:
    """Sentences one after another: a space between them in English, none in Chinese."""
    return ("" if current() == "zh" else " ").join(part for part in parts if part)


def money_unit(currency: str) -> tuple[float, str]:
    """The scale and label of money in a wide table: thousands (``k CNY``); in Chinese 万 (``万 CNY``)."""
    return (1e4, f"万 {currency}") if current() == "zh" else (1e3, f"k {currency}")


def html_lang() -> str:
    """The ``lang`` attribute for the current language."""
    return HTML_LANG[current()]


# --- numbers as the reader writes them -------------------------------------------------------


def compact(value: float | None, digits: int = 3) -> str:
    """A large number for a headline: ``166 million``, ``1.35 billion``; in Chinese ``1.66 亿``, ``25 万``.

    Below ten thousand (English: a million) the number is written whole with separators.
    """
    if value is None or not math.isfinite(value):
        return "–"
    size = abs(value)
    if current() == "zh":
        steps = ((1e8, "亿"), (1e4, "万"))
    else:
        steps = ((1e9, "billion"), (1e6, "million"))
    for limit, word in steps:
        if size >= limit:
            return f"{_significant(value / limit, digits)} {word}"
    return f"{value:,.0f}"


def scaled(value: float) -> tuple[float, str]:
    """``value`` in the reader's step for a narrow column and its word: ``(206.5, "M")``,
    ``(2.07, "亿")``; ``(value, "")`` below a thousand (Chinese: ten thousand). -0.0 comes back 0.0.

    Examples
    --------
    >>> scaled(206_500_000.0)
    (206.5, 'M')
    >>> scaled(-0.0)
    (0.0, '')
    """
    value += 0.0  # -0.0 reads as 0
    steps = ((1e8, "亿"), (1e4, "万")) if current() == "zh" else ((1e9, "bn"), (1e6, "M"), (1e3, "k"))
    for limit, suffix in steps:
        if abs(value) >= limit:
            return value / limit, suffix
    return value, ""


def short(value: float | None) -> str:
    """A number in few characters for a narrow column: ``206.5 M``, ``69.5 k``, ``0.068``; ``2.07 亿``, ``6.95 万``.

    >>> short(0.0684), short(7.0), short(512.3)
    ('0.068', '7', '512')
    """
    if value is None or not math.isfinite(value):
        return "-"
    number, suffix = scaled(value)
    if suffix:
        return f"{number:,.1f} {suffix}"
    if number and abs(number) < 10:  # a small rate (0.07 t/h) keeps two significant digits, never reads 0
        return _significant(number, 2)
    return f"{number:,.0f}"


def _significant(value: float, digits: int) -> str:
    text = f"{value:,.{digits}g}"
    if "e" in text:  # 1e+03 million: write it out
        text = f"{value:,.0f}"
    return text


def amount(value: float | None, unit: str) -> str:
    """An amount with its unit, scaled for reading: ``200 kt``, ``9.2 million m3``, ``356 GWh``; ``20 万 t``.

    Tonnes and MWh take SI prefixes (kt, Mt, GWh, TWh) in English; other units and Chinese
    text take `compact`'s words.
    """
    if value is None or not math.isfinite(value):
        return "–"
    size = abs(value)
    if current() != "zh" and unit in ("t", "MWh"):
        prefixes = {"t": ((1e6, "Mt"), (1e3, "kt")), "MWh": ((1e6, "TWh"), (1e3, "GWh"))}[unit]
        for limit, scaled in prefixes:
            if size >= limit:
                return f"{_significant(value / limit, 3)} {scaled}"
        if size < 10:
            return f"{value:,.3g} {unit}"
        return f"{round(value, 2 - int(math.floor(math.log10(size)))):,.0f} {unit}"
    if size < 10:
        return f"{value:,.3g} {unit}".strip()
    if size < (1e4 if current() == "zh" else 1e6):  # three significant digits: 698,000 m3
        return f"{round(value, 2 - int(math.floor(math.log10(size)))):,.0f} {unit}".strip()
    return f"{compact(value)} {unit}".strip()


def years(value: float | None) -> str:
    """A payback in years: ``0.8 years``, ``12 years``, or a dash."""
    if value is None or not math.isfinite(value):
        return "–"
    text = year_number(value)
    return ngettext("{n} year", "{n} years", 1 if text == "1.0" else 2).format(n=text)


def year_number(value: float) -> str:
    """A number of years for a table: ``<0.1``, ``3.1``, ``12``."""
    if value < 0.05:
        return "<0.1"
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


# --- the catalogue ------------------------------------------------------------------------------


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT:
        return gettext.NullTranslations()
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return gettext.GNUTranslations(io.BytesIO(compile_po(read_po(path.read_text(encoding="utf-8")))))


def catalogue(lang: str) -> dict[str | tuple[str, str], str | list[str]]:
    """The entries of a language's ``.po`` file: msgid (or (singular, plural)) -> msgstr (or its forms)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return read_po(path.read_text(encoding="utf-8"))


def read_po(text: str) -> dict[str | tuple[str, str], str | list[str]]:
    """Parse GNU ``.po`` text: ``msgctxt``, ``msgid``, ``msgid_plural``, ``msgstr`` and ``msgstr[n]``, continued lines.

    An entry with a context is keyed ``context + "\\x04" + msgid``, as gettext looks it up.

    Comments and fuzzy flags are skipped (a fuzzy entry counts as translated; keep none).
    """
    entries: dict[str | tuple[str, str], str | list[str]] = {}
    fields: dict[str, str] = {}
    last = ""

    def flush() -> None:
        if "msgid" in fields:
            if "msgid_plural" in fields:
                forms = [
                    fields[k]
                    for k in sorted((k for k in fields if k.startswith("msgstr[")), key=lambda k: int(k[7:-1]))
                ]
                entries[fields["msgid"], fields["msgid_plural"]] = forms
            elif "msgctxt" in fields:
                entries[f"{fields['msgctxt']}{CONTEXT}{fields['msgid']}"] = fields.get("msgstr", "")
            else:
                entries[fields["msgid"]] = fields.get("msgstr", "")
        fields.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            fields[last] += ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in fields):
            flush()
        last = keyword
        fields[keyword] = ast.literal_eval(value.strip())
    flush()
    return entries


def compile_po(entries: dict[str | tuple[str, str], str | list[str]]) -> bytes:
    """The GNU ``.mo`` bytes of parsed ``.po`` entries (what ``msgfmt`` writes; no hash table)."""
    pairs = []
    for key, value in entries.items():
        if isinstance(key, tuple):
            if not any(value):
                continue
            pairs.append(("\0".join(key), "\0".join(value)))
        elif value or key == "":
            pairs.append((key, str(value)))
    pairs.sort()
    ids = [k.encode("utf-8") for k, _ in pairs]
    strs = [v.encode("utf-8") for _, v in pairs]
    count = len(pairs)
    start = 7 * 4 + 16 * count
    offsets, data = [], b""
    for text in ids + strs:
        offsets.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, start)
    table = b"".join(struct.pack("<2I", length, offset) for length, offset in offsets)
    return header + table + data


def marked(root: pathlib.Path | None = None) -> dict[str | tuple[str, str], list[str]]:
    """Every message the code marks for the catalogue, with where: ``_("...")``, ``N_("...")``,
    ``headings("...", ...)`` and ``ngettext("...", "...", n)`` calls with literal strings in the
    package's modules, and
    ``pgettext("context", "...")`` ones keyed as `read_po` keys them."""
    root = root or pathlib.Path(__file__).parent
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = node.args
            literal = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if node.func.id in ("_", "N_") and len(args) == 1 and len(literal) == 1:
                found.setdefault(literal[0], []).append(where)
            elif node.func.id == "headings":  # circflow.exports.page.headings: each label a message
                for label in literal:
                    found.setdefault(label, []).append(where)
            elif node.func.id == "pgettext" and len(args) == 2 and len(literal) == 2:
                found.setdefault(f"{literal[0]}{CONTEXT}{literal[1]}", []).append(where)
            elif node.func.id == "ngettext" and len(literal) >= 2:
                found.setdefault((literal[0], literal[1]), []).append(where)
    return found


def json_quote(text: str) -> str:
    """A string as a ``.po`` file quotes it."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":  # python -m circflow.i18n zh: the entries the catalogue lacks, as .po text
    import sys

    lang = sys.argv[1] if len(sys.argv) > 1 else "zh"
    have = catalogue(lang)
    for key, places in marked().items():
        if key in have:
            continue
        print(f"#: {' '.join(places[:3])}")
        if isinstance(key, tuple):
            print(f'msgid {json_quote(key[0])}\nmsgid_plural {json_quote(key[1])}\nmsgstr[0] ""\n')
        else:
            context, _sep, message = key.rpartition(CONTEXT)
            if _sep:
                print(f"msgctxt {json_quote(context)}")
            print(f'msgid {json_quote(message)}\nmsgstr ""\n')
