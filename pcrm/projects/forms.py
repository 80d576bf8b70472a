"""The project form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pcrm.auth.forms import department_choices
from pcrm.auth.models import User
from pcrm.forms import drop_invalid
from pcrm.projects import service


class ProjectForm(FlaskForm):
    department_id = SelectField(_l("부서"), coerce=int)
    name_ko = StringField(_l("사업 이름(한국어)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("사업 이름(영어)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("설명"), validators=[Optional(), Length(max=5000)])

    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = department_choices(service.departments_for(user))

    def fields_for_service(self) -> dict:
        return {
            "department_id": self.department_id.data,
            "name_ko": self.name_ko.data,
            "name_en": self.name_en.data or "",
            "description": self.description.data or "",
        }


class ProjectFilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form needs no CSRF token)."""

    class Meta:
        csrf = False

    department = SelectField(_l("부서"), coerce=int, validators=[Optional()])
    archived = BooleanField(_l("보관한 사업도 보기"))

    def __init__(self, departments, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = SelectChoice(0, str(_l("모든 부서")))
        self.department.choices = [everything, *department_choices(departments)]
        drop_invalid(self)  # a department outside the list (or not a number) filters nothing
