"""The report pages' one form."""

from flask_wtf import FlaskForm


class RefreshForm(FlaskForm):
    """Only the CSRF token: the campaign is in the URL."""
