"""Rendering: an Edition becomes an email (HTML and plain text), a PDF and a
web page. ``context`` builds what every template sees; each output has its
own module."""
