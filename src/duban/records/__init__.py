"""The generic chained record for the streams beside the work record.

Directives and tasks keep their own chain (`work.Event`); spot checks and campaigns theirs
(`supervise.SupervisionEvent`). Every later stream — a proposal, a meeting, an event, a
party session — records its changes here: one append-only, hash-chained `RecordEvent`
table, one stream per holder row (`<STREAM_PREFIX>:<pk>`), the head kept on the holder so a
removed last event is found too. `duban audit verify` and `duban audit rekey` cover every
model that inherits `ChainedRecord` without being told about it.
"""
