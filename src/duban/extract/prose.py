"""Prose (minutes, instructions, notices), read clause by clause by the grammar of
directives."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from duban.extract.deadline import Kind, find_deadlines, parse_deadline
from duban.extract.draft import (
    _ADVERBIAL_ONLY,
    _Context,
    _Draft,
    _finish,
    _is_progress,
    _names,
)
from duban.extract.lists import Line
from duban.extract.units import (
    Found,
    UnitList,
    mentions,
    unit_ends,
    unit_list_at,
)

# ---------------------------------------------------------------------------------------
# Pass 2: prose


@dataclass
class _Clause:
    start: int
    end: int
    delim: str  # the punctuation that closes it: , ; : 。 ! ? or "" at the end of a line


_OPEN, _CLOSE = "(“《‘「【[", ")”》’」】]"


def _sentences(f: str, start: int, end: int) -> list[list[_Clause]]:
    sentences: list[list[_Clause]] = []
    clauses: list[_Clause] = []
    depth = 0
    c_start = start
    for i in range(start, end):
        ch = f[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ",;:。!?":
            if ch in ",:" and 0 < i < end - 1 and f[i - 1].isdigit() and f[i + 1].isdigit():
                continue  # 8:30, 1,000
            clauses.append(_Clause(c_start, i, ch))
            c_start = i + 1
            if ch in "。!?":
                sentences.append(clauses)
                clauses = []
    if c_start < end:
        clauses.append(_Clause(c_start, end, ""))
    if clauses:
        sentences.append(clauses)
    return sentences


_ENUM = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}(?![时次批个年季])[,、]?|"
    r"[一二三四五六七八九十]{1,3}[、.]|\([一二三四五六七八九十\d]{1,3}\)|\d{1,2}[、.](?!\d)|"
    r"[①②③④⑤⑥⑦⑧⑨⑩]|其中|同时|此外|另外|最后|首先|其次)\s*"
)
_LEAD_IN_WHOLE = re.compile(
    r"(?:会议|会上|会议还|他|她|其|[\u4e00-\u9fff]{2,4}?)?(?:还|并|同时|特别|进一步|再次|最后)?"
    r"(?:要求|强调|指出|提出|明确|议定|决定|部署|表示)$"
)
_LEAD_IN_INLINE = re.compile(
    r"(?:会议|会上|他|她)?(?:还|并|同时|特别|进一步|再次)?(?:强调|指出|要求)(?:,|:)?"
)
_HEAD_ROLE = re.compile(
    r"(?:主要领导|主要负责人|主要负责同志|分管领导)?(?:也|还|都|均|则)?(?:一定|更)?"
)
_SCOPE_BEFORE = re.compile(r"\s*(?:特别是|尤其是|对于|对|针对|凡是?)[^,;:。]{1,30}的")
_ALSO = re.compile(r"并(?=于|在|将|按|每)|并且|同时(?:要)?")
_OWN_TIME = re.compile(r"尽快|立即|及时|马上|迅速|抓紧")
_REPORT = re.compile(r"报送|上报|报(?=县|市|区|镇|乡|省)|报告")
_ACCORDING = re.compile(r"按|依|根据|对照|结合|遵照")
_WHEN = re.compile(r"(?:近期|近日|下阶段|下一步|今后|会后|随后|此后)\s*")
_LABEL = re.compile(r"[^,;。]{1,12}$")  # "咨询类" before a colon

_MODAL = re.compile(r"要(?!求|素|点|闻|件|害)|应当|应该|应(?!急)|必须|务必|须|需要|需(?!求)")
_LEAD_DECL = re.compile(
    r"(?:要|应)?(?:主动|统一|具体)?(?:牵头抓总|牵头|负责落实|负责|主办|主责|协调|抓总|落实)$"
)
_CO_DECL = re.compile(
    r"(?:要|应)?(?:积极|主动|密切|全力|大力|做好|全面)?(?:配合|协助|协办|参与|协同配合)$"
)
_WITH = re.compile(
    r"(?:要|应|须)?(?:牵头|负责)?(?:[,]?)(?:会同|联合|协同|商请?|协调|组织|督促|指导)"
)
_CO_IN_ACTION = re.compile(r"(?:充分|主动|积极|及时)?(?:会同|协调|联合|商请?)")
_PERSON = re.compile(
    r"(?:全体|主要|分管|有关|相关)?[\u4e00-\u9fff]{0,10}?"
    r"(?:班子成员|工作人员|负责人|负责同志|干部职工|干部|同志|职工|工作者|党员)"
)
_ADVERBIAL_START = re.compile(
    r"对|在|于|从|按|按照|根据|结合|围绕|针对|把|就|以|务必|进一步|切实|认真|积极|主动|"
    r"全力|要|今年|年内|近期|当前|下一步|在此期间"
)
_TIME_LIMIT = re.compile(r"\d{1,3}(?:\s*[-~至]\s*\d{1,3})?\s*个?(?:小时|工作日|天|日)(?:内|以内)?")
_BARE_VERB = re.compile(
    r"进入|做好|加强|落实|开展|完成|组织|抓好|加快|推进|制定|建立|立即|迅速|全力|切实|认真|"
    r"积极|主动|务必|进一步|严格|及时|督促|统筹|全面|深入|持续|强化|坚持|确保|着力|做到|"
    r"负责|牵头|实行|实施|按月|按季|按周|按照|根据|对|每|定期|会同|联合|抓紧|尽快|加紧|继续|依法|"
    r"成立"
)
_SCOPE = re.compile(r"(?:对于|对|针对)[^,;:。]{2,30}$")
_GROUP_WORD = re.compile(r"各|全体|所有|有关|相关|其他|其它")
_BY_INSIDE = re.compile(r"由")
_OWNER_WORD = re.compile(r"牵头|负责|承办|主办|主责")
_STATUS = re.compile(r"了|已经|已|正在|均已|截至|截止目前")


# 在修改《报告》过程中 / 在汛期: a time or circumstance between the addressee and its 要.
_ADVERBIAL_SCOPE = re.compile(r"\s*在[^,;:。了]{1,30}?(?:过程中|期间|中|时|前|后)")
# What follows a salutation (市直有关部门: 为切实做好…), not a label's list of points.
_SALUTATION_NEXT = re.compile(r"\s*(?:为了?|根据|按照|经|现将|近期|近日|近年来|今年以来)")
# A page's metadata line (发布时间:… 来源:…) is never a directive.
_META_LINE = re.compile(
    r"\s*(?:发布时间|发布日期|发布机构|来源|索引号|文号|发文字号|成文日期|作者|阅读次数|浏览次数|点击数)\s*:"
)
# 九重区域环境整治由王光玲牵头,九重镇落实: a person leads the work, a unit carries it out.
_PERSON_LEADS = re.compile(r"由([\u4e00-\u9fff]{2,3})牵头$")
_CARRIES_OUT = re.compile(r"(?:负责)?落实$")


def _person_leads(ctx: _Context, start: int, end: int) -> int | None:
    """Where 由<person>牵头 starts when the clause ends so and the name is not a unit."""
    m = _PERSON_LEADS.search(ctx.f, start, end)
    if m is None or m.end() != end or m.start() <= start:
        return None
    if unit_list_at(ctx.f, m.start(1), ctx.known) is not None:
        return None
    return m.start()


_EXHORTATION = re.compile(r"(?:认真|深入|全面|坚决)?(?:学习)?贯彻(?:落实)?[^,;。]{0,60}精神")
_AFTER_UNITS = re.compile(r"[^、和及与]")


@dataclass
class _Subject:
    units: UnitList
    co: list[Found]
    action: int  # where the action text starts (may equal the clause end)
    kind: str  # "task" | "lead_decl" | "co_decl"


def _continuation(ctx: _Context, units: UnitList, end: int, *, invited: bool) -> _Subject | None:
    """What follows a unit list decides whether it is the addressee of a directive."""
    f = ctx.f
    q = units.end
    while q < end and f[q] == " ":
        q += 1
    head = _HEAD_ROLE.match(f, q, end)
    if head and _MODAL.match(f, head.end()):
        # 项目责任单位主要领导要… / 各专班成员单位也要…: the unit is the addressee.
        q = head.end()
    rest = f[q:end]
    if _CO_DECL.match(rest):
        # Its action, should no lead unit come before it: 交通等部门要密切配合，加强沟通…
        modal = re.match(r"要|应", rest)
        return _Subject(units, [], q + (modal.end() if modal else 0), "co_decl")
    if _LEAD_DECL.match(rest):
        return _Subject(units, [], end, "lead_decl")
    if rest.startswith("要求"):
        # 县政府要求各乡镇于3月底前完成排查: the units after 要求 are the addressees.
        asked = unit_list_at(f, q + 2, ctx.known)
        if asked is not None and not asked.anaphor:
            return _continuation(ctx, asked, end, invited=True)
        return None
    m = _WITH.match(rest)
    if m:
        co = unit_list_at(f, q + m.end(), ctx.known)
        if co is not None:
            return _Subject(units, co.units, co.end, "task")
    person = _PERSON.match(rest)
    if person and unit_ends(f, q, ctx.known) == []:
        after = q + person.end()
        m = _MODAL.match(f, after)
        if m:
            return _Subject(units, [], m.end(), "task")
    m = _MODAL.match(rest)
    if m or rest.startswith("将"):
        return _Subject(units, [], q + (m.end() if m else 1), "task")
    if rest.startswith(("负责", "牵头")) and not rest.startswith(("负责人", "负责同志")):
        return _Subject(units, [], q, "task")
    if _TIME_LIMIT.match(rest):
        return _Subject(units, [], q, "task")
    if _ADVERBIAL_START.match(rest):
        modal = _MODAL.search(rest)
        if modal and not re.search(r"[了]", rest[: modal.start()]):
            return _Subject(units, [], q, "task")
    if invited:
        return _Subject(units, [], q, "task")
    if _BARE_VERB.match(rest):
        return _Subject(units, [], q, "bare")
    return None


def _subject_at(ctx: _Context, p: int, end: int) -> _Subject | None:
    f = ctx.f
    invited = False
    if f.startswith("请", p):
        invited, p = True, p + 1
    elif f.startswith("希望", p):
        # 希望各地各有关部门高度重视…: a directive in the register of a public notice.
        invited, p = True, p + 2
    elif f.startswith("由", p):
        p += 1
        units = unit_list_at(f, p, ctx.known)
        if units is None:
            return None
        rest = f[units.end : end]
        if re.match(r"(?:牵头|负责|承办|主办)的", rest):
            return None  # 由县民政局负责的第1件: a mention, not an instruction
        subject = _continuation(ctx, units, end, invited=True)
        return subject
    units = unit_list_at(f, p, ctx.known, follow=_AFTER_UNITS)
    if units is None:
        return None
    return _continuation(ctx, units, end, invited=invited)


def _subject_inside(ctx: _Context, p: int, end: int) -> _Subject | None:
    """城区停车场建设由县住建局负责: the work first, then 由 + the lead unit.

    The action text keeps the work, so it starts at the clause.
    """
    f = ctx.f
    for m in _BY_INSIDE.finditer(f, p + 1, end):
        units = unit_list_at(f, m.end(), ctx.known)
        if units is None or units.anaphor:
            continue
        owner = _OWNER_WORD.match(f, units.end)
        if owner is None or f.startswith("的", owner.end()):
            continue  # 由县民政局负责的第1件 names an owner; it gives no instruction
        return _Subject(units, [], p, "task")
    return None


def _whole_units(ctx: _Context, clause: _Clause) -> bool:
    """The clause is nothing but unit names: part of a salutation (A,B,C:)."""
    p = clause.start
    while p < clause.end and ctx.f[p] == " ":
        p += 1
    units = unit_list_at(ctx.f, p, ctx.known)
    return units is not None and units.end >= clause.end


def _core_start(ctx: _Context, clause: _Clause) -> tuple[int, bool, bool]:
    """Skip enumerators and lead-ins (会议要求，他强调).

    Returns the position, whether a lead-in was skipped and whether an enumerator was.
    """
    f = ctx.f
    p = clause.start
    lead_in = enumerated = False
    while True:
        while p < clause.end and f[p] in " \t":
            p += 1
        m = _ENUM.match(f, p, clause.end)
        if m and m.end() > p:
            p, enumerated = m.end(), True
            continue
        m = _LEAD_IN_INLINE.match(f, p, clause.end)
        if m and m.end() > p and m.end() < clause.end:
            p, lead_in = m.end(), True
            continue
        m = _WHEN.match(f, p, clause.end)
        if m and m.end() < clause.end:
            p = m.end()  # 下阶段市政府办公厅将…: the time word is not part of the name
            continue
        break
    return p, lead_in, enumerated


Topic = tuple[list[Found], list[Found]]


@dataclass
class _Sentence:
    """State while reading one sentence."""

    current: _Draft | None = None
    blocked: bool = False  # a subjectless 要 came before any addressee
    subject: Topic | None = None  # the last addressee named in the sentence
    directive: bool = False  # opened by 会议强调 / 他要求 …
    start: int = 0  # where the sentence starts
    first_core: bool = True
    prefix: int | None = None  # a leading 对…/3月25日前 clause that belongs to the next task
    enum_subject: bool = False  # the current addressee was named inside an enumerated point


def _clause_end(f: str, start: int, limit: int) -> int:
    """End of the prefix clauses: up to the punctuation before the subject clause."""
    end = limit
    while end > start and f[end - 1] in ",;: ":
        end -= 1
    return end


def _is_dated(ctx: _Context, start: int, end: int) -> bool:
    for span in find_deadlines(ctx.text[start:end]):
        d = parse_deadline(ctx.text[start + span.start : start + span.end], ctx.base, None)
        if d is not None and d.kind in (Kind.DATE, Kind.UNRESOLVED):
            return True
    return False


def _prose_pass(ctx: _Context, lines: list[Line], consumed: set[int]) -> None:
    f = ctx.f
    for line in lines:
        if line.index in consumed or line.end <= line.start:
            continue
        if _META_LINE.match(f, line.start, line.end):
            continue
        topic: Topic | None = None
        prev: tuple[int, int] = (line.start, line.start)  # the previous sentence
        for clauses in _sentences(f, line.start, line.end):
            st = _Sentence(start=clauses[0].start)
            for n, clause in enumerate(clauses):
                _clause(ctx, st, clauses, n, clause, topic, prev)
            if st.current is not None:
                _finish(ctx, st.current)
            if st.subject is not None:
                topic = None if st.blocked else st.subject
            prev = (clauses[0].start, clauses[-1].end)


def _clause(
    ctx: _Context,
    st: _Sentence,
    clauses: list[_Clause],
    n: int,
    clause: _Clause,
    topic: Topic | None,
    prev: tuple[int, int],
) -> None:
    f = ctx.f
    p, lead_in, enumerated = _core_start(ctx, clause)
    st.directive = st.directive or lead_in
    whole = f[p : clause.end]
    if not whole:
        return
    if clause.delim == ":":
        label = unit_list_at(f, p, ctx.known)
        if (
            label is not None
            and label.end == clause.end
            and not label.anaphor
            and n < len(clauses) - 1
            and not (n > 0 and clauses[n - 1].delim == "," and _whole_units(ctx, clauses[n - 1]))
            and not _SALUTATION_NEXT.match(f, clause.end + 1)
        ):
            # 县住建局：1.加快…；2.推进…: the label names the addressee of what follows.
            if st.current is not None:
                _finish(ctx, st.current)
            st.current = _Draft(label.units[:1], label.units[1:], [])
            st.subject = (label.units[:1], label.units[1:])
            return
        if (_LEAD_IN_WHOLE.match(whole) or _LABEL.match(whole)) and _subject_at(
            ctx, p, clause.end
        ) is None:
            st.directive = st.directive or bool(_LEAD_IN_WHOLE.match(whole))
            return
    if _LEAD_IN_WHOLE.match(whole) and clause.delim in (",", ""):
        if st.current is not None and n > 0 and not _ACCORDING.match(whole):
            # …,各县市要A;会议要求,要B: a new directive; its 要 has no addressee.
            _finish(ctx, st.current)
            st.current = None
            st.blocked = True
        st.directive = True
        return
    subject = _subject_at(ctx, p, clause.end)
    if subject is not None and subject.kind == "bare":
        # A bare "units + verb" is a directive only when it addresses a group (各…, 有关…)
        # at the head of a sentence that reports no progress (了, 已):
        # 各乡镇森林消防队伍进入戒备状态。 "县住建局全面推进改造，完成投资2亿元" is a report.
        sentence_text = f[clauses[0].start : clauses[-1].end]
        first = subject.units.units[0]
        if (
            (st.first_core or enumerated)
            and _GROUP_WORD.match(f, first.start)
            and not _STATUS.search(sentence_text)
        ):
            subject = replace(subject, kind="task")
        else:
            subject = None
    if subject is None:
        subject = _subject_inside(ctx, p, clause.end)
    if (
        subject is not None
        and subject.kind == "task"
        and _is_progress(f, subject.action, clause.end)
    ):
        subject = None  # 县发改局牵头编制了…方案: a progress report, not an instruction
    first_core = st.first_core
    st.first_core = False
    if subject is not None and subject.kind == "lead_decl" and n > 0:
        before = clauses[n - 1]
        b_start = _core_start(ctx, before)[0]
        by = _person_leads(ctx, b_start, before.end)
        if by is not None and _CARRIES_OUT.search(f, subject.units.end, clause.end):
            # …由<person>牵头,<unit>落实: the unit leads; the work is what precedes 由.
            if st.current is not None:
                _finish(ctx, st.current)
            units = subject.units.units
            st.current = _Draft(units[:1], units[1:], [(b_start, by)])
            st.subject = (units[:1], units[1:])
            return
    if subject is not None:
        _addressed(ctx, st, subject, p, clause, prev)
        st.enum_subject = enumerated
        return
    # No addressee in this clause.
    starts_with_modal = bool(re.match(r"要(?!求|素|点)", whole))
    current = st.current
    if (
        current is not None
        and n + 1 < len(clauses)
        and _person_leads(ctx, p, clause.end) is not None
    ):
        # The next clause names the unit that carries this work out: a task of its own.
        _finish(ctx, current)
        st.current = None
        return
    if current is not None and enumerated and st.enum_subject:
        # 一是A要…；二是B要…；三是组织党员…: a point that named its own addressee does not
        # lend it to the next point; a subjectless point then has no addressee.
        _finish(ctx, current)
        st.current = None
        return
    if current is not None:
        if (
            (starts_with_modal or enumerated)
            and current.has_action(f)
            and not (starts_with_modal and n > 0 and _SCOPE_BEFORE.match(f, clauses[n - 1].start))
            and not (starts_with_modal and not enumerated and n > 0 and clauses[n - 1].delim == ",")
        ):
            # X要A，要B / X：一是A；二是B — one task per point, same addressee. After a scope
            # (…，特别是滞后的事项，要…; 对需要时间的，要…) the 要 goes on with the same point.
            _finish(ctx, current)
            action = p + 1 if starts_with_modal else p
            st.current = _Draft(current.lead, list(current.co), [(action, clause.end)])
            return
        also = _ALSO.match(f, p, clause.end)
        if (
            also
            and current.has_action(f)
            and (_is_dated(ctx, p, clause.end) or _REPORT.search(f, p, clause.end))
            and any(_OWN_TIME.search(f, a, b) or _is_dated(ctx, a, b) for a, b in current.clauses)
        ):
            # …尽快组织实施，并于8月30前将情况报县政府办: a second task with its own time,
            # same addressee. (…狠抓落实，并于1月15日前报… stays one task: the date is the
            # only time the sentence gives.)
            _finish(ctx, current)
            st.current = _Draft(current.lead, list(current.co), [(also.end(), clause.end)])
            return
        first_action = not current.has_action(f)
        current.clauses.append((p, clause.end))
        if len(current.clauses) <= 3:
            # 对照目标任务，充分协调其他责任单位…: a co-unit named in the action.
            with_co = _CO_IN_ACTION.match(f, p, clause.end)
            co_list = unit_list_at(f, with_co.end(), ctx.known) if with_co else None
            if co_list is not None:
                current.co.extend(co_list.units)
                if first_action and with_co is not None and with_co.start() == p:
                    # 请A牵头，会同B研究提出意见: the action starts after the co-units.
                    current.clauses[-1] = (co_list.end, clause.end)
        return
    if starts_with_modal and current is None and n > 0 and clauses[n - 1].delim == ",":
        # 种子管理、农业执法等部门,要鼓励… / 办公室在修改报告过程中,要客观反映…: the
        # addressee (alone, or with a 在…中/时 adverbial) stands in the clause before 要.
        before = clauses[n - 1]
        b_start = _core_start(ctx, before)[0]
        named = unit_list_at(f, b_start, ctx.known, follow=_AFTER_UNITS)
        if (
            named is not None
            and not named.anaphor
            and (named.end >= before.end or _ADVERBIAL_SCOPE.fullmatch(f, named.end, before.end))
        ):
            units = named.units
            st.current = _Draft(units[:1], units[1:], [(p + 1, clause.end)])
            st.subject = (units[:1], units[1:])
            return
    after_semicolon = n > 0 and clauses[n - 1].delim == ";" and not st.blocked
    if (
        topic is not None
        and (first_core or (after_semicolon and starts_with_modal))
        and (starts_with_modal or st.directive or _is_dated(ctx, p, clauses[-1].end))
    ):
        action = p + 1 if starts_with_modal else p
        st.current = _Draft(topic[0], list(topic[1]), [(action, clause.end)])
        return
    if starts_with_modal:
        st.blocked = True
    elif (
        st.prefix is None
        and not st.blocked
        and (
            (_SCOPE.match(whole) and "了" not in whole)
            or (_ADVERBIAL_ONLY.match(whole) and _is_dated(ctx, p, clause.end))
        )
    ):
        # 对未达到序时进度的任务，相关责任单位要… / 3月25日前，各乡镇要…
        st.prefix = p


def _addressed(
    ctx: _Context,
    st: _Sentence,
    subject: _Subject,
    p: int,
    clause: _Clause,
    prev: tuple[int, int],
) -> None:
    f = ctx.f
    units = subject.units.units
    if subject.units.anaphor:
        # 请以上责任单位加快…: one task for each unit named before.
        antecedents = mentions(f, st.start, p, ctx.known) or mentions(f, *prev, ctx.known)
        if antecedents:
            if st.current is not None:
                _finish(ctx, st.current)
            st.current = _Draft(
                antecedents[:1], [], [(subject.action, clause.end)], each=antecedents
            )
            return
    lead, co = units[:1], units[1:] + subject.co
    current = st.current
    if (
        subject.kind == "co_decl"
        and current is not None
        and (not current.has_action(f) or len(current.clauses) == 1)
    ):
        # 由A牵头，B配合 / A要主动协调，B要积极配合: B joins the task as a co-unit.
        current.co.extend(units)
        return
    if current is not None and _names(ctx, current.lead) == _names(ctx, lead):
        current.clauses.append((subject.action, clause.end))  # the same unit again
        return
    if current is not None:
        _finish(ctx, current)
    if subject.kind == "lead_decl" or clause.delim == ":":
        # 县交通运输局要做到：一是…；二是… — the points after the colon are the tasks.
        st.current = _Draft(lead, co, [])
    else:
        st.current = _Draft(lead, co, [(subject.action, clause.end)])
    if st.prefix is not None:
        st.current.clauses.insert(0, (st.prefix, _clause_end(ctx.f, st.prefix, clause.start)))
        st.prefix = None
    st.subject = (lead, co)
