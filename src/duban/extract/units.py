"""Unit names in running text, found by the shape of Chinese organisation names.

A county's registry never holds every name a text uses (another county's document, a unit
renamed last year, 各有关单位), so names are recognised by their grammar: a noun phrase
of Han characters that ends in an organisation head noun (…局, …办公室, …人民政府, …中心,
…单位, …部门, …公司, 各乡镇(街道) …). Verbs, prepositions and modal words cannot occur
inside a name, so they bound it on the right. Names the registry knows are accepted as
they are, whatever their shape.

All positions are indexes into the folded text (see folding.py), which are the same as in
the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Head nouns that end an organisation name, longest first where one ends another.
SUFFIXES = (
    "人民政府",
    "管理委员会",
    "委员会",
    "管委会",
    "办事处",
    "指挥部",
    "办公室",
    "领导小组",
    "工作专班",
    "专班",
    "小组",
    "政府",
    "街道",
    "乡镇",
    "社区",
    "中心",
    "公司",
    "集团",
    "机构",
    "部门",
    "单位",
    "企业",
    "学校",
    "医院",
    "银行",
    "林场",
    "农场",
    "队伍",
    "领导",
    "协会",
    "园区",
    "局",
    "委",
    "办",
    "室",
    "院",
    "所",
    "站",
    "队",
    "处",
    "科",
    "股",
    "厅",
    "部",
    "社",
    "会",
    "组",
    "镇",
    "乡",
    "村",
    "区",
    "县",
    "市",
)
_SUFFIX_RE = re.compile("(?:" + "|".join(SUFFIXES) + r")$")

# Words that end in a head noun but are not organisations.
NOT_UNITS = frozenset(
    {
        "全部",
        "内部",
        "外部",
        "局部",
        "干部",
        "社会",
        "大会",
        "全会",
        "机会",
        "城市",
        "农村",
        "乡村",
        "地区",
        "辖区",
        "城区",
        "景区",
        "场所",
        "全区",
        "全县",
        "全市",
        "全镇",
        "全乡",
        "我县",
        "我区",
        "我市",
        "我镇",
        "我乡",
        "本县",
        "本区",
        "本市",
        "该县",
        "该区",
        "该市",
        "各县",
        "各区",
        "各市",
        "市县",
        "县区",
        "全社会",
        "政府",
        "本单位",
        "该单位",
        "单位",
        "部门",
        "总部",
        "基层单位",
        "会议",
        "常务会",
        "例会",
        "座谈会",
        "推进会",
        "调度会",
        "工作会",
        "现场会",
        "办公会",
        "专题会",
        "协调会",
        "院落",
        "小区",
    }
)

# Tokens that cannot stand inside a name: modal words, prepositions, common verbs and
# adverbs of directives. 应急管理局 and 组织部 are names, hence the look-aheads.
_STOP = re.compile(
    r"(?<![主重需纪摘必只首])要(?!素)|应当|应该|应(?!急)|必须|务必|须|需要|需(?!求)|将|对(?!外|口)|"
    r"在|于|把|被|根据|按照|按|依据|结合|围绕|针对|负责(?!单位|部门)|牵头(?!单位|部门|责任单位|[县市区镇乡]?领导)|"
    r"配合(?!单位|部门|责任单位)|会同|协同(?!单位|责任单位)|协助|联合(?!会|社)|参与(?!单位)|是|为|进一步|切实|"
    r"认真|积极|主动|全力|严格|及时|立即|尽快|迅速|加强|加快|抓好|做好|落实(?!办|室)|开展|完成|"
    r"组织(?!部)|督促|统筹|推进(?!办|工作(?:领导)?小组)|成立|进行|实行|确保|召开|主持|参加|出席|同意|通过|审议|印发|"
    r"已|了|正在|并|等|从|自(?!然|治|贸)|向|以|由|请|就(?!业)|关于|上报|报送|发布|提出|制定|"
    r"建立|持续|始终|全面|深入|坚持|研究(?!室|院|所|中心)|调研|听取|要求|指出|强调|的|加大|"
    r"主抓|分管(?!领导)|带领|召集|今年|明年|当前|目前|全年|年底|近期|近日|下阶段|下一步|今后|会后|随后|"
    r"以上|上述|其中|副?[县区市镇乡]长|书记|"
    r"主任|局长|部长|科长|主席|同志|代表|负责人"
)
_HAN = re.compile(r"[\u3400-\u9fff]")
MAX_LEN = 30


@dataclass(frozen=True)
class Found:
    start: int
    end: int


def _paren_end(text: str, i: int) -> int | None:
    """End of a short parenthetical that belongs to a name: 各乡镇(街道), 各县(市、区)."""
    if i >= len(text) or text[i] != "(":
        return None
    close = text.find(")", i + 1, i + 9)
    if close < 0:
        return None
    inner = text[i + 1 : close]
    if not inner or not all(_HAN.match(c) or c == "、" for c in inner):
        return None
    return close + 1


def _ends_in_head(text: str, start: int, end: int) -> bool:
    name = text[start:end]
    if name in NOT_UNITS or len(name) < 2 or _PRONOUN.match(name):
        return False  # 我局, 本单位, 该局: a pronoun, not a name
    # A name may close with a parenthetical: 各镇(街道)人民政府(办事处).
    core = re.sub(r"\([^()]*\)$", "", name)
    if core != name:
        if re.fullmatch(r"各[县区市镇乡]", core):
            return True  # 各县(区), 各县(市、区): a group written with its parenthetical
        return len(core) >= 2 and bool(_SUFFIX_RE.search(core)) and core not in NOT_UNITS
    return bool(_SUFFIX_RE.search(name))


class Known:
    """Names the registry knows, indexed by first character (a county has hundreds)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        # Keyed by the first two characters: most names of a county start with 县 or its name.
        self._by_head: dict[str, list[str]] = {}
        for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
            self._by_head.setdefault(name[:2], []).append(name)

    def ends_at(self, text: str, start: int) -> list[int]:
        candidates = self._by_head.get(text[start : start + 2])
        if not candidates:
            return []
        return [start + len(n) for n in candidates if text.startswith(n, start)]


NO_NAMES = Known()
_SUFFIX_LAST = frozenset(s[-1] for s in SUFFIXES) | {")"}


def _known(known: Known | Iterable[str] | None) -> Known:
    if known is None:
        return NO_NAMES
    return known if isinstance(known, Known) else Known(known)


_PRONOUN = re.compile(r"我|本|该|此|其(?![他它])")
# 各乡镇党委、政府 / 各街道、部门: a name only after the one it shortens
_LIST_ONLY = ("人民政府", "政府", "部门", "单位")
# 各地: a group addressee without a head noun (各地、各部门要…)
_GROUP_ONLY = re.compile(r"各地(?![区方市段])")


def unit_ends(
    text: str,
    start: int,
    known: Known | Iterable[str] | None = None,
    *,
    in_list: bool = False,
) -> list[int]:
    """Every end `e` (ascending) such that text[start:e] has the shape of a unit name."""
    ends: set[int] = set(_known(known).ends_at(text, start))
    if in_list:
        ends.update(start + len(w) for w in _LIST_ONLY if text.startswith(w, start))
    group = _GROUP_ONLY.match(text, start)
    if group:
        ends.add(group.end())
    if start >= len(text) or _STOP.match(text, start):
        return sorted(ends)
    i = start
    de_at: int | None = None  # position of 的 inside a role phrase (各项工作任务的主要责任单位)
    while i < len(text) and i - start < MAX_LEN:
        paren = _paren_end(text, i)
        if paren is not None:
            i = paren
        elif _HAN.match(text[i]):
            if i > start and _STOP.match(text, i):
                if text[i] == "的" and de_at is None and i - start >= 2:
                    de_at = i
                    i += 1
                    continue
                break
            i += 1
        else:
            break
        if text[i - 1] in _SUFFIX_LAST and _ends_in_head(text, start, i):
            if de_at is None:
                ends.add(i)
            elif text[i - 2 : i] in ("单位", "部门", "领导") and i - de_at <= 9:
                # 各项工作任务的主要责任单位: a role described by what it is responsible for.
                ends.add(i)
    return sorted(ends)


def split_conjoined(text: str, start: int, end: int) -> list[Found]:
    """住房和城乡建设局 is one name; 县住建局和县财政局 is two; 各街道及社区 is two."""
    for m in re.finditer(r"以及|和|及|与", text[start:end]):
        left_end = start + m.start()
        right_start = start + m.end()
        if _ends_in_head(text, start, left_end) and _ends_in_head(text, right_start, end):
            return [Found(start, left_end), *split_conjoined(text, right_start, end)]
    return [Found(start, end)]


_LIST_SEP = re.compile(r"、|以及|和|及|与")
_ANAPHOR = re.compile(r"(?:以上|上述)(?:各|这些|几个|\d+个)?(?:责任|相关|有关)?(?:单位|部门|乡镇)")
_SECTORS = re.compile(
    r"((?:[\u4e00-\u9fff]{2,6}、)+[\u4e00-\u9fff]{2,6})等(?:相关|有关)?"
    r"(?:部门|单位|行业部门|职能部门)"
)


@dataclass(frozen=True)
class UnitList:
    units: list[Found]
    end: int
    anaphor: bool = False  # 以上单位 / 上述部门: stands for units named before


def _longest_followed(
    text: str, start: int, known: Known | Iterable[str] | None, ok: re.Pattern[str] | None
) -> int | None:
    ends = unit_ends(text, start, known)
    for e in reversed(ends):
        if ok is None or ok.match(text, e):
            return e
    return None


def unit_list_at(
    text: str,
    start: int,
    known: Known | Iterable[str] | None = None,
    follow: re.Pattern[str] | None = None,
) -> UnitList | None:
    """A list of unit names at `start` (A、B及C), or an anaphor (以上单位), or sector
    shorthand (交通、农业、林业等部门 → 交通, 农业, 林业).

    `follow`, if given, must match right after the list; the longest reading that allows
    it is chosen.
    """
    m = _ANAPHOR.match(text, start)
    if m:
        return UnitList([Found(start, m.end())], m.end(), anaphor=True)
    m = _SECTORS.match(text, start)
    if m and (follow is None or follow.match(text, m.end())):
        units, pos = [], start
        for part in m.group(1).split("、"):
            units.append(Found(pos, pos + len(part)))
            pos += len(part) + 1
        return UnitList(units, m.end())
    known = _known(known)
    # Try the list with as many members as possible, each member as long as possible.
    items: list[Found] = []
    pos = start
    while True:
        ends = unit_ends(text, pos, known, in_list=bool(items))
        if not ends:
            break
        chosen = None
        for e in reversed(ends):
            sep = _LIST_SEP.match(text, e)
            if sep and unit_ends(text, sep.end(), known, in_list=True):
                chosen = e
                break
            if follow is None or follow.match(text, e):
                chosen = e
                break
        if chosen is None:
            break
        items.extend(split_conjoined(text, pos, chosen))
        sep = _LIST_SEP.match(text, chosen)
        if sep and unit_ends(text, sep.end(), known, in_list=True):
            pos = sep.end()
            continue
        # 县交通局等部门 / 各乡镇等: the list closes with 等 (+ a collective noun).
        tail = re.match(r"等(?:相关|有关)?(?:部门|单位)?", text[chosen:])
        end = chosen + (tail.end() if tail else 0)
        if follow is not None and not follow.match(text, end):
            if not follow.match(text, chosen):
                return None
            end = chosen
        return UnitList(items, end)
    return None


def mentions(
    text: str, start: int, end: int, known: Known | Iterable[str] | None = None
) -> list[Found]:
    """Units named as owners inside a span: 由县民政局负责的第1件、县发改局负责的第4件."""
    known = _known(known)
    found: list[Found] = []
    owner = re.compile(r"(?:牵头|负责|承办|主办)")
    i = start
    while i < end:
        if i == start or text[i - 1] in "由、,;和及":
            e = _longest_followed(text, i, known, owner)
            if e is not None and e <= end:
                found.extend(split_conjoined(text, i, e))
                i = e
                continue
        i += 1
    return found
