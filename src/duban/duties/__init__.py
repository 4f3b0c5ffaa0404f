"""The office's own duties (issue 16): 三会一课 and 主题党日, 廉政约谈, 责任清单, 调研,
放管服 lists, 文稿起草, and the director's 述职述廉 draft written from the record.

A stream beside the work record, at the supervise/documents level: it imports org, work,
records and documents; web imports it. What becomes work for units (a responsibility list,
reform measures, a drafting deadline) is registered through the work actions as a Directive
and its Tasks, and linked here by a foreign key.
"""
