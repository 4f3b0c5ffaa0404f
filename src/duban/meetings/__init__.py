"""办会: the government's meetings from agenda to minutes to tracked decisions (issue 15).

A meeting type per county (settings), a meeting with its own chain (`records`), topics
submitted by units, the agenda, the notice through the outbox, sign-in, the standing
meeting's law study, the minutes in versions, their issue as a GB/T 9704 纪要 whose
decisions become directives of kind 会议议定事项 through the work actions, and the
三重一大 record of the office's own 党组会/室务会.
"""
