"""Files in and out (DESIGN.md "Files in, files out"), one module per document kind.

ledger_xlsx      台账 .xlsx out (streamed) · ledger_import  台账 .xlsx in (through the actions)
gbt9704          the GB/T 9704-2012 page and its elements, shared by every .docx below
bulletin         督查通报 for a period · report_back  情况报告/回音 for one directive
annual           the year's figures for the 述职 report (JSON and a .docx section)
pdf              .docx → .pdf through LibreOffice, when it is installed

Every document is fed by selectors scoped to the acting user and logs an export row.
"""
