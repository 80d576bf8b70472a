"""Residents' voice: every opinion, question and complaint a resident sends, routed to the
department that owns it and answered, with a status the resident can follow."""
