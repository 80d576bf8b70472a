"""The form on a returned message left for a person."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("메모 (선택)"), validators=[Length(max=2000)])
