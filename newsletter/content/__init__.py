"""Content: an issue's sources (YAML + Markdown in ``issues/YYYY-MM/``) read,
validated and turned into the content model, every problem located by file,
line and field."""

from newsletter.content.reader import Checked, check_issue, issue_folder, known_months, load_issue

__all__ = ["Checked", "check_issue", "issue_folder", "known_months", "load_issue"]
