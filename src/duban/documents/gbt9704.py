"""The GB/T 9704-2012 page (《党政机关公文格式》) as a .docx builder every document reuses.

What it lays out (clause numbers of the standard; facts in ../shared/reference/gbt9704.md):
- A4, 天头 37 mm, 订口 28 mm, bottom 35 mm, right 26 mm: a 版心 of 156 × 225 mm (5.1, 5.2.1).
- 22 lines × 28 characters (5.2.3): every paragraph on an exact 28.95 pt line (579 twips),
  no space before or after, characters condensed by 0.25 pt (16 pt glyphs in 15.75 pt cells).
  No `docGrid`: LibreOffice renders Word's 22 × 28 grid at 14 characters a line, while this
  gives 22 × 28 in LibreOffice and fits 28 in Word (28 × 15.75 = 441 pt ≤ 442.2 pt).
- 3号仿宋 body (5.2.2), paragraphs 左空二字 and 两端对齐 with no punctuation hanging past
  the 版心; headings 一、 黑体, （一） 楷体, 1. and （1） 仿宋 (7.3.3); the title 2号小标宋,
  centred, broken by hand between words in a 梯形/菱形 (7.3.1); 主送 flush left with a
  full-width colon.
- 版头 (optional, 7.2): the 发文机关标志 in red 小标宋 35 mm below the top of the 版心, the
  发文字号 two lines below it (with the 签发人 on the same line for upward documents), a red
  rule 4 mm below; the title two lines below the rule.
- 署名 and 成文日期: one line below the body, the date 右空四字 and the 署名 centred above
  it, kept on a page with body text.
- 版记 (7.4): 抄送 and 印发机关/印发日期 in 4号仿宋 between a thick first and last rule
  (0.35 mm) with a thin rule (0.25 mm) between them, 156 mm wide, in a text box at the
  bottom of the 版心 on the last page; 抄送 wraps after its colon, between names.
- Page numbers (7.5): "— 1 —" in 4号 宋体 below the 版心, odd pages right and even pages left,
  each one character in (`evenAndOddHeaders`).

Fonts are named as the office's desktops know them (仿宋_GB2312, 楷体_GB2312, 黑体,
方正小标宋简体, 宋体; Times New Roman for digits and Latin); a server without them
substitutes (docs/decisions.md, "Documents"). python-docx has no East Asian font API, so
`w:eastAsia` is written directly, and the template's theme font attributes, which would
beat an explicit font, are stripped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"  # digits and Latin letters (local practice)
RED = RGBColor(0xFF, 0x00, 0x00)

SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
SIZE_TABLE = Pt(12)  # 小四: tables in the body; the standard leaves them to the drafter
LINE = Twips(579)  # 225 mm / 22 lines = 28.95 pt
CONDENSE = -5  # twentieths of a point: 16 pt glyphs advance 15.75 pt (28 in 156 mm)
CHAR = 15.75  # pt: one 3号 character as laid out
DIGIT = 7.75  # pt: one half-width digit of 3号 Times New Roman, condensed alike
BODY_WIDTH = Mm(156)

STYLE_BODY = "公文正文"
STYLE_TITLE = "公文标题"
STYLE_H1 = "公文一级标题"
STYLE_H2 = "公文二级标题"
STYLE_H3 = "公文三级标题"
STYLE_PLAIN = "公文顶格"  # 主送, 署名, 日期: no first-line indent
STYLE_TABLE = "公文表格"
STYLE_IMPRINT = "公文版记"
STYLE_PAGE_NUMBER = "公文页码"
STYLE_MASTHEAD = "公文发文机关标志"

DOC_NO_RE = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")


# pPr children that come after autoSpaceDE/DN in the schema's sequence.
_AFTER_AUTOSPACE = (
    "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)  # fmt: skip


def _no_hanging(paragraph: Paragraph) -> Paragraph:
    """No punctuation hanging past the 版心 (LibreOffice reads this per paragraph only)."""
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:overflowPunct")) is None:
        off = OxmlElement("w:overflowPunct")
        off.set(qn("w:val"), "0")
        ppr.insert_element_before(
            off, "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", *_AFTER_AUTOSPACE
        )
    return paragraph


def _no_autospace(ppr: Any) -> None:
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        off = OxmlElement(tag)
        off.set(qn("w:val"), "0")
        ppr.insert_element_before(off, *_AFTER_AUTOSPACE)


def cn_date(d: date) -> str:
    """成文日期 (7.3.5.4): Arabic digits, full year, no zero padding: 2026年3月5日."""
    return f"{d.year}年{d.month}月{d.day}日"


def check_doc_no(doc_no: str) -> str:
    """发文字号 (7.2.5): 机关代字〔年份〕序号号, year in 六角括号, no leading zero."""
    doc_no = doc_no.strip()
    if not DOC_NO_RE.match(doc_no):
        raise ValueError(f"发文字号“{doc_no}”格式应为“机关代字〔2026〕5号”（序号不编虚位）。")
    return doc_no


def text_width(text: str) -> float:
    """Laid-out width in points of a 3号 line: hanzi 15.75 pt, ASCII 7.75 pt."""
    return sum(DIGIT if ch.isascii() else CHAR for ch in text)


TITLE_CHAR = 21.75  # pt: one 2号 character as laid out (22 pt, condensed alike)
TITLE_WIDTH = 442.2  # pt: the 版心, 156 mm

# Where a title may break: after these (关于 | 》 | 、 …) and before these (办理情况 …); the
# weak ones (inside a phrase: …的 | 建设 | 进度) cost as much as three characters of balance.
_BREAK_AFTER = ("关于", "》", "、")
_BREAK_BEFORE = ("《", "办理情况", "督办事项", "批示事项", "有关")
_WEAK_AFTER = ("的", "年", "月", "批示", "报告", "问题", "建设", "情况")
_WEAK_BEFORE = ("对",)
_WEAK_COST = 3 * TITLE_CHAR


def _title_width(text: str) -> float:
    return sum(TITLE_CHAR / 2 if ch.isascii() else TITLE_CHAR for ch in text)


def _break_points(text: str) -> dict[int, float]:
    """Positions a title may break at, each with its cost (0 between phrases)."""
    points: dict[int, float] = {}
    for words, after, cost in (
        (_WEAK_AFTER, True, _WEAK_COST),
        (_WEAK_BEFORE, False, _WEAK_COST),
        (_BREAK_AFTER, True, 0.0),
        (_BREAK_BEFORE, False, 0.0),
    ):
        for word in words:
            start = 0
            while (i := text.find(word, start)) >= 0:
                points[i + len(word) if after else i] = cost
                start = i + 1
    # Never break inside a number, nor leave fewer than two characters on a line.
    return {
        i: cost
        for i, cost in sorted(points.items())
        if 2 <= i <= len(text) - 2 and not (text[i - 1].isdigit() and text[i].isdigit())
    }


def title_lines(text: str, width: float = TITLE_WIDTH) -> list[str]:
    """The title's lines (7.3.1: 回行时要做到词意完整，排列对称，长短适宜，间距恰当; 梯形或菱形).

    Breaks only where a word ends (_break_points), each line fitting the 版心, and among
    the shapes a 梯形 (lines growing or shrinking steadily) or a 菱形 (the middle longest)
    with the most even lengths wins; an hourglass (the middle shortest) never does."""
    if _title_width(text) <= width:
        return [text]
    points = _break_points(text)
    best: tuple[float, list[str]] | None = None
    for k in (1, 2, 3):
        for cut in itertools.combinations(sorted(points), k):
            bounds = (0, *cut, len(text))
            lines = [text[a:b] for a, b in itertools.pairwise(bounds)]
            widths = [_title_width(line) for line in lines]
            if max(widths) > width:
                continue
            if len(lines) >= 3:
                middle = widths[1:-1]
                hourglass = min(middle) < min(widths[0], widths[-1])
                rising = widths == sorted(widths)
                falling = widths == sorted(widths, reverse=True)
                diamond = max(middle) >= max(widths[0], widths[-1])
                if hourglass or not (rising or falling or diamond):
                    continue
            cost = (max(widths) - min(widths)) + sum(points[i] for i in cut)
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            return best[1]
    return [text]  # no word boundary fits: leave it to the renderer


# ------------------------------------------------------------------ raw XML helpers


def set_fonts(element: Any, east_asia: str, latin: str = LATIN) -> None:
    """Name both fonts on a style's or run's rPr: eastAsia for hanzi, ascii/hAnsi for Latin."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)


def _spacing(rpr: Any, value: int) -> None:
    for old in rpr.findall(qn("w:spacing")):
        rpr.remove(old)
    el = OxmlElement("w:spacing")
    el.set(qn("w:val"), str(value))
    rpr.append(el)


def _border(name: str, size_eighths: int, color: str = "000000", space: int = 0) -> Any:
    el = OxmlElement(f"w:{name}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    return el


def _insert(parent: Any, child: Any, *, after: Sequence[str]) -> None:
    """Insert `child` after the last of the `after` elements present (schema order)."""
    tags = {qn(t) for t in after}
    position = 0
    for i, el in enumerate(parent):
        if el.tag in tags:
            position = i + 1
    parent.insert(position, child)


IMPRINT_CHAR = 13.75  # pt: one 4号 character as laid out (14 pt, condensed alike)
IMPRINT_WIDTH = 442.2 - 2 * 14  # pt: the 版心 less one character each side (7.4.2)
_WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"


def copies_lines(names: Sequence[str], width: float = IMPRINT_WIDTH) -> list[str]:
    """抄送：A，B，C。 broken into lines between names, never inside one; the lines after the
    first start after the colon (the caller gives them the hanging indent)."""
    room = width - 3 * IMPRINT_CHAR
    lines: list[str] = []
    line = ""
    for i, name in enumerate(names):
        token = name + ("。" if i == len(names) - 1 else "，")
        if line and len(line + token) * IMPRINT_CHAR > room:
            lines.append(line)
            line = ""
        line += token
    lines.append(line)
    return ["抄送：" + lines[0], *lines[1:]]


def _strip_theme_fonts(styles_element: Any) -> None:
    """A theme font attribute beats the explicit one; the default template has dozens."""
    for el in styles_element.iter():
        for attr in list(el.attrib):
            if attr.endswith("Theme"):
                del el.attrib[attr]


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (PAGE): begin, instruction, separate, cached result, end."""

    def fld(kind: str) -> None:
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


# ------------------------------------------------------------------ the document


@dataclass(frozen=True)
class Masthead:
    """版头: the issuing organ's mark, the document number and, upward, the signer."""

    organ_mark: str  # 发文机关标志, e.g. 云溪县人民政府办公室文件
    doc_no: str  # 发文字号, e.g. 云政办〔2026〕5号
    signer: str = ""  # 签发人 (上行文 only)


@dataclass(frozen=True)
class Imprint:
    """版记: who gets copies, who prints and when."""

    printer: str  # 印发机关
    printed_on: date
    copies_to: Sequence[str] = ()  # 抄送机关


class OfficialDocument:
    """A GB/T 9704 document, built top to bottom: masthead, title, addressee, body, signature,
    imprint. Only the elements a document calls for are written."""

    def __init__(self) -> None:
        self.doc: DocxDocument = Document()
        self._page()
        self._styles()
        self._page_numbers()

    # -------------------------------------------------------------- set-up

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance = Mm(15)
        # The 一字线's top sits 7 mm below the 版心 (7.5): 35 - 7 mm, less the half of the
        # 14 pt footer line above the dash's middle (checked on the rendered PDF).
        section.footer_distance = Mm(25.5)
        sect_pr = section._sectPr
        for grid in sect_pr.findall(qn("w:docGrid")):
            sect_pr.remove(grid)

    def _styles(self) -> None:
        styles = self.doc.styles
        _strip_theme_fonts(styles.element)
        normal = styles["Normal"]
        assert isinstance(normal, ParagraphStyle)
        self._font(normal, FANGSONG, SIZE_3)
        self._exact(normal)
        # No automatic space between hanzi and Latin or digits: it widens "2026年4月15日"
        # unpredictably, and the 署名/日期 positions are computed from character widths.
        _no_autospace(normal.element.get_or_add_pPr())
        # No punctuation hanging past the right edge of the 版心 (Word's and LibreOffice's
        # "hanging punctuation" default): a closing mark is laid inside the line instead.
        overflow = OxmlElement("w:overflowPunct")
        overflow.set(qn("w:val"), "0")
        normal.element.get_or_add_pPr().insert_element_before(
            overflow, "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", *_AFTER_AUTOSPACE
        )
        # Chinese as the East Asian language (the template says en-US).
        rpr = normal.element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            for lang_el in defaults.iter(qn("w:lang")):
                lang_el.set(qn("w:eastAsia"), "zh-CN")

        self._style(STYLE_BODY, FANGSONG, SIZE_3, indent=True)
        self._style(STYLE_PLAIN, FANGSONG, SIZE_3)
        self._style(STYLE_TITLE, XIAOBIAOSONG, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
        self._style(STYLE_H1, HEITI, SIZE_3, indent=True, outline=0)
        self._style(STYLE_H2, KAITI, SIZE_3, indent=True, outline=1)
        self._style(STYLE_H3, FANGSONG, SIZE_3, indent=True, outline=2)
        table = self._style(STYLE_TABLE, FANGSONG, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER)
        table.paragraph_format.line_spacing = Pt(18)
        imprint = self._style(STYLE_IMPRINT, FANGSONG, SIZE_4)
        imprint.paragraph_format.left_indent = Pt(14)  # one 4号 character each side (7.4.2)
        imprint.paragraph_format.right_indent = Pt(14)
        imprint.paragraph_format.line_spacing = LINE
        number = self._style(STYLE_PAGE_NUMBER, SONGTI, SIZE_4)
        set_fonts(number.element, SONGTI, SONGTI)  # 半角宋体 digits (7.5)
        number.paragraph_format.line_spacing = Pt(14)
        mark = self._style(STYLE_MASTHEAD, XIAOBIAOSONG, Pt(42), align=WD_ALIGN_PARAGRAPH.CENTER)
        mark.font.color.rgb = RED
        mark.paragraph_format.line_spacing = Pt(50)

    def _font(self, style: ParagraphStyle, east_asia: str, size: Pt) -> None:
        set_fonts(style.element, east_asia)
        style.font.size = size
        style.font.color.rgb = RGBColor(0, 0, 0)  # 5.2.4: black unless stated
        _spacing(style.element.get_or_add_rPr(), CONDENSE)

    def _exact(self, style: ParagraphStyle) -> None:
        pf = style.paragraph_format
        pf.line_spacing = LINE
        pf.space_before = pf.space_after = Pt(0)
        pf.widow_control = False  # widow control moves lines and breaks the 22-line page

    def _style(
        self,
        name: str,
        east_asia: str,
        size: Pt,
        *,
        indent: bool = False,
        align: Any = None,
        outline: int | None = None,
    ) -> ParagraphStyle:
        style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(style, ParagraphStyle)
        style.base_style = self.doc.styles["Normal"]
        style.quick_style = True
        self._font(style, east_asia, size)
        self._exact(style)
        pf = style.paragraph_format
        pf.first_line_indent = Pt(2 * CHAR) if indent else Pt(0)
        pf.left_indent = pf.right_indent = Pt(0)
        if align is None and indent:
            align = WD_ALIGN_PARAGRAPH.JUSTIFY  # 两端对齐: both edges of the 版心
        if align is not None:
            pf.alignment = align
        if outline is not None:
            pf.keep_with_next = True  # a heading never ends a page
            lvl = OxmlElement("w:outlineLvl")
            lvl.set(qn("w:val"), str(outline))
            style.element.get_or_add_pPr().append(lvl)
        return style

    def _page_numbers(self) -> None:
        """— 1 —: odd pages right, even pages left, one character in from the edge (7.5)."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.style = self.doc.styles[STYLE_PAGE_NUMBER]
            p.alignment = align
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = Pt(14)
            else:
                p.paragraph_format.left_indent = Pt(14)
            p.add_run("— ")
            _field(p, "PAGE", "1")
            p.add_run(" —")

    # -------------------------------------------------------------- elements

    def blank(self, lines: int = 1) -> None:
        for _ in range(lines):
            self.doc.add_paragraph("", style=STYLE_PLAIN)

    def masthead(self, m: Masthead) -> None:
        """版头 (7.2.4-7.2.7)."""
        mark = self.doc.add_paragraph(m.organ_mark, style=STYLE_MASTHEAD)
        # The mark's top edge 35 mm below the top of the 版心; a long name gets smaller.
        size = min(42.0, 156 / 25.4 * 72 / max(len(m.organ_mark), 1))
        for run in mark.runs:
            run.font.size = Pt(round(size, 1))
            _spacing(run._r.get_or_add_rPr(), 0)
        mark.paragraph_format.space_before = Mm(35 - 4)  # the line box starts above the glyph
        self.blank(2)  # 下空二行
        doc_no = check_doc_no(m.doc_no)
        number = self.doc.add_paragraph(style=STYLE_PLAIN)
        if m.signer:
            # 上行文: 字号 one character in from the left, 签发人 one character in from the
            # right, on one line (7.2.6).
            number.paragraph_format.left_indent = Pt(CHAR)
            number.paragraph_format.tab_stops.add_tab_stop(
                Mm(156) - Pt(CHAR), WD_TAB_ALIGNMENT.RIGHT
            )
            number.add_run(doc_no + "\t签发人：")
            name = number.add_run(m.signer)
            set_fonts(name._r, KAITI)
        else:
            number.alignment = WD_ALIGN_PARAGRAPH.CENTER
            number.add_run(doc_no)
        # The red rule 4 mm below the 发文字号, as wide as the 版心 (7.2.7).
        ppr = number._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        borders.append(_border("bottom", 8, "FF0000", space=11))
        ppr.append(borders)
        self.blank(2)  # the title 下空二行 below the rule (7.3.1)

    def title(self, text: str) -> None:
        """标题 (7.3.1): 2号小标宋, centred; 主送 one line below. A title too long for one line
        is broken by hand between words, in a 梯形 or 菱形 shape (title_lines)."""
        p = self.doc.add_paragraph(style=STYLE_TITLE)
        for i, line in enumerate(title_lines(text)):
            run = p.add_run(line)
            if i:
                run._r.insert(0, OxmlElement("w:br"))
        self.blank(1)

    def addressee(self, text: str) -> None:
        """主送机关 (7.3.2): flush left, ending with a full-width colon."""
        text = text.rstrip("：:") + "："
        self.doc.add_paragraph(text, style=STYLE_PLAIN)

    def para(self, text: str) -> Paragraph:
        return _no_hanging(self.doc.add_paragraph(text, style=STYLE_BODY))

    def heading1(self, text: str) -> Paragraph:
        """一、 黑体."""
        return _no_hanging(self.doc.add_paragraph(text, style=STYLE_H1))

    def heading2(self, text: str, run_in: str = "") -> Paragraph:
        """（一） 楷体; `run_in` continues the paragraph in 仿宋 (a run-in heading)."""
        p = _no_hanging(self.doc.add_paragraph(text, style=STYLE_H2))
        if run_in:
            run = p.add_run(run_in)
            set_fonts(run._r, FANGSONG)
        return p

    def heading3(self, text: str, run_in: str = "") -> Paragraph:
        """1. 仿宋."""
        return _no_hanging(self.doc.add_paragraph(text + run_in, style=STYLE_H3))

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths_mm: Sequence[float],
        *,
        left: Sequence[int] = (0,),
    ) -> Table:
        """A ruled table across the 版心; header row in 黑体, repeated on each page."""
        table: Table = self.doc.add_table(rows=1 + len(rows), cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        # Both the grid (LibreOffice reads it) and each cell (Word reads those).
        for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
            col.w = Mm(width)
        for i, width in enumerate(widths_mm):
            for cell in table.columns[i].cells:
                cell.width = Mm(width)
        for i, text in enumerate(headers):
            p = table.rows[0].cells[i].paragraphs[0]
            p.style = self.doc.styles[STYLE_TABLE]
            set_fonts(p.add_run(text)._r, HEITI)
        header = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        header.append(repeat)
        for r, values in enumerate(rows, start=1):
            for i, text in enumerate(values):
                p = table.rows[r].cells[i].paragraphs[0]
                p.style = self.doc.styles[STYLE_TABLE]
                if i in left:
                    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
                p.add_run(text)
        return table

    def signature(self, organ: str, on: date) -> None:
        """署名 and 成文日期 (7.3.5.1 as the office lays them): 下空一行; the date 右空四字 and
        the 署名 centred above it.

        Neither may start a page of its own: the last line of the body, the blank line and
        the 署名 are kept with the next paragraph, so when the date does not fit, the body's
        last line moves over with it (a page never carries only the signature)."""
        day = cn_date(on)
        organ_w, date_w = text_width(organ), text_width(day)
        date_right = 4 * CHAR
        organ_right = max(0.0, date_right + (date_w - organ_w) / 2)
        # The body's last paragraph goes with the 署名; a one-line closing (特此报告。) takes
        # the paragraph before it along, so that the page carries more than a formula.
        for p in reversed(self.doc.paragraphs[-2:]):
            if not p.text.strip():
                break
            p.paragraph_format.keep_with_next = True
            if text_width(p.text) + 2 * CHAR > 28 * CHAR:
                break
        self.blank(1)
        self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        for text, right in ((organ, organ_right), (day, date_right)):
            p = self.doc.add_paragraph(text, style=STYLE_PLAIN)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(right)
            p.paragraph_format.keep_with_next = text == organ
            _no_autospace(p._p.get_or_add_pPr())  # LibreOffice reads it per paragraph only

    def properties(self, *, title: str, author: str, created: datetime) -> None:
        """File properties as the office's document management shows them: the office as
        author, the issue time as created (python-docx's template says "python-docx", 2013)."""
        cp = self.doc.core_properties
        cp.title = title
        cp.author = cp.last_modified_by = author
        cp.created = cp.modified = created.astimezone(UTC).replace(tzinfo=None)
        cp.revision = 1
        cp.comments = cp.keywords = cp.subject = cp.category = ""

    def imprint(self, imp: Imprint) -> Table:
        """版记 (7.4): 抄送 and 印发 in 4号仿宋 between a thick first and last rule (0.35 mm)
        and a thin one between (0.25 mm), 156 mm wide, at the bottom of the 版心 of the last
        page: the last rule coincides with the bottom edge of the 版心 (7.4.1).

        A ruled table inside a text box anchored to the last paragraph (the 成文日期) and
        aligned to the bottom of the 版心, with text wrapping above and below: Word and
        LibreOffice both keep it there (LibreOffice lays a floating table or a frame inline
        instead, ignoring its position). 抄送 wraps aligned after the colon, between names
        (copies_lines); 印发机关 one character in from the left, the date one from the right."""
        lines = copies_lines(imp.copies_to) if imp.copies_to else []
        rows = ([lines] if lines else []) + [[f"{imp.printer}\t{cn_date(imp.printed_on)}印发"]]
        table: Table = self.doc.add_table(rows=len(rows), cols=1)
        tbl_pr = table._tbl.tblPr
        width = tbl_pr.find(qn("w:tblW"))
        if width is None:
            width = OxmlElement("w:tblW")
            _insert(tbl_pr, width, after=("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual"))
        width.set(qn("w:w"), str(int(BODY_WIDTH.twips)))
        width.set(qn("w:type"), "dxa")
        borders = OxmlElement("w:tblBorders")
        borders.append(_border("top", 8))  # 0.35 mm ≈ 1 pt
        for side in ("left",):
            none = OxmlElement(f"w:{side}")
            none.set(qn("w:val"), "nil")
            borders.append(none)
        borders.append(_border("bottom", 8))
        for side in ("right",):
            none = OxmlElement(f"w:{side}")
            none.set(qn("w:val"), "nil")
            borders.append(none)
        borders.append(_border("insideH", 6))  # 0.25 mm ≈ 0.75 pt
        none = OxmlElement("w:insideV")
        none.set(qn("w:val"), "nil")
        borders.append(none)
        _insert(
            tbl_pr,
            borders,
            after=(
                "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
                "w:tblCellSpacing", "w:tblInd",
            ),
        )  # fmt: skip
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            m = OxmlElement(f"w:{side}")
            m.set(qn("w:w"), "0")
            m.set(qn("w:type"), "dxa")
            margins.append(m)
        _insert(
            tbl_pr,
            margins,
            after=(
                "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
                "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout",
            ),
        )  # fmt: skip
        for row, texts in zip(table.rows, rows, strict=True):
            cell = row.cells[0]
            cell.width = BODY_WIDTH
            p = cell.paragraphs[0]
            p.style = self.doc.styles[STYLE_IMPRINT]
            if texts[0].startswith("抄送："):
                # Wrapped lines align after the colon (7.4.2): a hanging indent of 抄送：.
                p.paragraph_format.left_indent = Pt(IMPRINT_CHAR * 4)
                p.paragraph_format.first_line_indent = Pt(-IMPRINT_CHAR * 3)
            else:
                # A right tab one 4号 character in from the 版心's edge (tab stops are
                # measured from the margin in Word and LibreOffice alike).
                p.paragraph_format.tab_stops.add_tab_stop(
                    BODY_WIDTH - Pt(14), WD_TAB_ALIGNMENT.RIGHT
                )
            for i, text in enumerate(texts):
                run = p.add_run(text)
                if i:
                    run._r.insert(0, OxmlElement("w:br"))
        self._float_to_bottom(table, sum(len(r) for r in rows))
        return table

    def _float_to_bottom(self, table: Table, lines: int) -> None:
        """Move the table into a text box anchored to the last paragraph, bottom-aligned
        to the 版心 (the margin box), 156 mm wide, one exact line per row of text."""
        body = self.doc.element.body
        body.remove(table._tbl)
        if not self.doc.paragraphs:
            self.doc.add_paragraph(style=STYLE_PLAIN)
        anchor = self.doc.paragraphs[-1]
        height = int(Twips(lines * int(LINE.twips) + 40).emu)  # + the rules
        width = int(BODY_WIDTH.emu)
        run = parse_xml(
            f"""<w:r {nsdecls("w", "wp", "a")} xmlns:wps="{_WPS}"><w:drawing>
<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264"
 behindDoc="0" locked="1" layoutInCell="1" allowOverlap="0">
<wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="margin"><wp:posOffset>0</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>
<wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>
<wp:wrapTopAndBottom/><wp:docPr id="9704" name="版记"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="{_WPS}"><wps:wsp><wps:cNvSpPr txBox="1"/>
<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{width}" cy="{height}"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>
<wps:txbx><w:txbxContent/></wps:txbx>
<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="b">
<a:noAutofit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"""
        )
        content = run.find(".//" + qn("w:txbxContent"))
        content.append(table._tbl)
        content.append(OxmlElement("w:p"))  # a cell's table must be followed by a paragraph
        anchor._p.append(run)

    # -------------------------------------------------------------- output

    def save(self, out: str | Path | IO[bytes]) -> None:
        self.doc.save(out)  # type: ignore[arg-type]

    def to_bytes(self) -> bytes:
        buf = BytesIO()
        self.doc.save(buf)
        return buf.getvalue()
