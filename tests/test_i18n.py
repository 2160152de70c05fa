"""The message catalogue and the reader's conventions (circflow/i18n.py, circflow/locale/).

The catalogue is walked both ways: every string the code marks for translation is in the
Chinese ``.po`` file with a translation that keeps its placeholders, and the file holds
nothing the code no longer says. Numbers follow the reader: 万 and 亿 in Chinese. The
browser check that a ``--lang zh`` report shows no untranslated UI string is in
``test_browser.py``; here the same check runs on the pages' text without a browser.
"""

from __future__ import annotations

import gettext
import html
import io
import json
import re
from typing import Any

import pytest

import circflow
from circflow.catalog import data_dir
from circflow.exports.outputs import write_outputs
from circflow.i18n import (
    LANGUAGES,
    _,
    amount,
    catalogue,
    check_language,
    compact,
    compile_po,
    join,
    language,
    marked,
    ngettext,
    read_po,
    years,
)

PLACEHOLDER = re.compile(r"\{[^}]*\}")


def test_every_marked_message_is_translated_and_none_is_left_over() -> None:
    code = marked()
    assert len(code) > 300  # the walk finds the pages' strings
    for lang in LANGUAGES:
        if lang == "en":
            continue
        entries = {key: value for key, value in catalogue(lang).items() if key != ""}
        missing = [key for key in code if key not in entries]
        assert missing == [], f"{lang}: not in the catalogue (python -m circflow.i18n {lang} prints them)"
        assert [key for key in entries if key not in code] == [], f"{lang}: in the catalogue, no longer in the code"
        for key, value in entries.items():
            forms = value if isinstance(value, list) else [value]
            assert all(forms), f"{lang}: {key!r} is not translated"
            wanted = sorted(PLACEHOLDER.findall(key if isinstance(key, str) else key[1]))
            for form in forms:
                assert sorted(PLACEHOLDER.findall(form)) == wanted, f"{lang}: {key!r} changes its placeholders"


def test_po_text_compiles_to_what_gettext_reads() -> None:
    entries = read_po(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "a \\"b\\""\nmsgstr ""\n"甲"\n"乙"\n\n'
        'msgid "{n} link"\nmsgid_plural "{n} links"\nmsgstr[0] "{n} 条"\n'
    )
    assert entries['a "b"'] == "甲乙"
    translations = gettext.GNUTranslations(io.BytesIO(compile_po(entries)))
    assert translations.gettext('a "b"') == "甲乙"
    assert translations.ngettext("{n} link", "{n} links", 5) == "{n} 条"
    assert translations.gettext("not there") == "not there"


def test_english_is_the_default_and_chinese_numbers_use_wan_and_yi() -> None:
    def numbers() -> tuple[str, ...]:
        """1.664e8 and 2.5e5 compact, 2e5 t and 9.2e6 m3 as amounts, in the current language."""
        return (compact(1.664e8), compact(2.5e5), amount(2.0e5, "t"), amount(9.2e6, "m3"))

    assert _("annual saving") == "annual saving"
    assert numbers() == ("166 million", "250,000", "200 kt", "9.2 million m3")
    assert ngettext("{n} link", "{n} links", 2).format(n=2) == "2 links"
    assert join(["fly ash", "gypsum", "slag"]) == "fly ash, gypsum and slag"
    with language("zh"):
        assert _("annual saving") == "年节省"
        assert numbers() == ("1.66 亿", "25 万", "20 万 t", "920 万 m3")
        assert years(0.8) == "0.8 年"
        assert join(["粉煤灰", "石膏", "矿渣"]) == "粉煤灰、石膏和矿渣"
    assert check_language("zh-CN") == "zh"
    with pytest.raises(ValueError, match="unknown language 'fr'; circflow writes en, zh"):
        check_language("fr")


def park_words(results: dict[str, Any]) -> set[str]:
    """Words of what the park file names (enterprises, markets, processes, their ids, periods, files): data,
    not UI."""
    names = [
        results.get("park") or "",
        results.get("source") or "",
        *(results.get("scenarios") or []),
        *(results.get("periods") or []),
    ]
    names += [e.get("name") or "" for e in results.get("enterprises") or []]
    names += [e["id"] for e in [*(results.get("enterprises") or []), *(results.get("markets") or [])]]
    names += [e.get("sector") or "" for e in results.get("enterprises") or []]
    names += [m.get("name") or "" for m in results.get("markets") or []]
    names += [p.get("name") or "" for p in results.get("processes") or []]
    made = results.get("time_series") or {}
    names += [made.get("file") or "", *(made.get("columns") or {}), *(s["name"] for s in made.get("slices") or [])]
    return {word.lower() for name in names for word in WORD.findall(name)}


WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")
ALLOWED = {
    "cny",
    "tco2",
    "co2",
    "mwh",
    "gwh",
    "twh",
    "mw",
    "km",
    "kt",
    "mt",
    "cop",
    "circflow",
    "csv",
    "json",
    "html",
    "xlsx",
    "wgs84",
    "yr",
    "m3",
    "m2",
    "results",
    "assumptions",
    "validate",
    "report",
    "point",
    "pages",
    "compare",
    "pareto",
}
"""Latin words a Chinese page may show: units, file and sheet names, commands."""


def untranslated(text: str, results: dict[str, Any]) -> list[str]:
    """Latin words of ``text`` that are neither units nor the park's own names: UI left in English."""
    data = park_words(results)
    return sorted({word for word in WORD.findall(text) if word.lower() not in ALLOWED | data})


def visible_text(page: str) -> str:
    """The text a page shows (HTML without scripts, styles and what is marked translate="no"), plus the
    strings its charts draw (titles, labels, legends, buttons, hover texts)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<(\w+)[^>]*translate='no'[^>]*>.*?</\1>", " ", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    strings: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in ("template", "meta", "x", "y", "source", "target", "value", "color", "customdata"):
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("text", "label", "name", "hovertemplate", "title", "hovertext"):
            if not value.startswith("name:"):  # an annotation's own id (a map's name for a place)
                strings.append(re.sub(r"<[^>]+>|%\{[^}]*\}", " ", value))

    decoder = json.JSONDecoder()
    for call in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        data, end = decoder.raw_decode(page, call.end())
        layout, _end = decoder.raw_decode(page, re.compile(r"\s*,\s*").match(page, end).end())
        walk(data)
        walk(layout)
    return text + " " + " ".join(strings)


@pytest.mark.parametrize("name", ["tiny", "jinan_eco_park"])
def test_chinese_pages_have_no_untranslated_ui_string(name: str, tmp_path: Any) -> None:
    """The report, Sankey and workbook headers of a park written with lang zh show Chinese, the park's
    own names and units only."""
    park = circflow.load_park(data_dir("parks") / f"{name}.yaml")
    park = park.model_copy(update={"park": park.park.model_copy(update={"lang": "zh"})})
    results = circflow.optimize(park).to_dict()
    assert results["lang"] == "zh"
    write_outputs(tmp_path, results)
    for page in ("report.html", "sankey.html"):
        text = (tmp_path / page).read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in text
        assert "Noto Sans CJK SC" in text
        assert untranslated(visible_text(text), results) == [], page
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "results.xlsx")
    headers = " ".join(
        str(cell.value)
        for sheet in ("summary", "links", "processes", "markets", "assumptions")
        for cell in book[sheet][1]
        if cell.value
    )
    assert untranslated(headers, results) == []


def test_names_the_findings_hold_in_english_are_drawn_in_the_readers_language() -> None:
    from circflow.exports.labels import plan_name

    names = [
        "Steel works (slag 2) -> Cement plant, slag by truck",
        "Steel works: Grinding (process)",
        "Data centre -> City heating, electric heat pump",
        "Water plant -> Steel works, on site",
    ]
    assert [plan_name(name) for name in names] == names
    with language("zh"):
        assert [plan_name(name) for name in names] == [
            "Steel works（矿渣 2） → Cement plant，矿渣，汽运",
            "Steel works：Grinding（工艺）",
            "Data centre → City heating，电热泵",
            "Water plant → Steel works，厂内",
        ]


def test_chinese_sensitivity_and_alternatives_pages_have_no_untranslated_ui_string(tmp_path: Any) -> None:
    """alternatives.html and sensitivity.html of a park with lang zh: Chinese, the park's names and units."""
    from circflow.breakeven import sensitivity
    from circflow.nearoptimal import alternatives

    park = circflow.load_park(data_dir("parks") / "tiny.yaml")
    park = park.model_copy(update={"park": park.park.model_copy(update={"lang": "zh"})})
    results = circflow.optimize(park).to_dict()
    alternatives(park, plans=2).save(tmp_path / "alternatives")
    sensitivity(park, ["economics.electricity_price=-50%:+50%"]).save(tmp_path / "sensitivity")
    for page in ("alternatives/alternatives.html", "sensitivity/sensitivity.html"):
        text = (tmp_path / page).read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in text
        assert untranslated(visible_text(text), results) == [], page
