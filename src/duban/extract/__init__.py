"""Text → draft tasks (分解任务). Pure Python: nothing here imports Django.

`reader.read_document` turns a .txt or .docx file into text, `tasks.extract` finds the draft
tasks in it, `deadline.parse_deadline` and `deadline.parse_cycle` read time phrases.
"""
