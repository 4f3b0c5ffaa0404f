"""人大代表建议 and 政协委员提案: a session's items, their 交办 and handling, the replies,
the deputies' satisfaction and the B/C follow-up (issue 14).

What is particular to the stream lives here (numbering, proposers, contact records, co-unit
opinions, the 答复函 and its A–D category, satisfaction); the handling itself is an ordinary
work Task of a Directive of kind PROPOSAL, driven through `duban.work.actions`, so lights,
urging, escalation and scores apply unchanged. Each item's own changes are chained in
`duban.records` (stream prefix "pr").
"""
