"""Staff forms of SMS replies and the 080 list: a file upload, marking a reply read."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class FileForm(FlaskForm):
    """A file of replies or an 080 list."""

    file = FileField(_l("CSV 또는 XLSX 파일"), validators=[FileRequired()])


class MarkReadForm(FlaskForm):
    """Only the CSRF token: the reply is in the URL."""
