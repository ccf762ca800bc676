"""The yearly report: a query over the year's issues plus the office's own
texts, written as a tagged PDF, a DOCX to finish in a word processor and a
page of the online archive. Stages: ``figures`` (computed from the items),
``texts`` (the office's prose), ``document`` (HTML and PDF), ``docx_out``,
``build`` (per language, to a folder)."""
