"""The voice blueprint: residents' pages under /voice and /v/<token>, staff's under /inbox."""

from flask import Blueprint

bp = Blueprint("voice", __name__)
