"""gunicorn's access log with tokens and query values masked (see pcrm.logs).

Used as `gunicorn --logger-class pcrm.gunicorn_logger.AccessLogger` (Procfile, systemd unit);
only gunicorn imports it, so the app itself does not need gunicorn installed.
"""

from gunicorn.glogging import Logger

from pcrm.logs import MASK, mask


class AccessLogger(Logger):
    """gunicorn's logger with its access log masked: request line, path, query and referrer."""

    MASKED_ATOMS = ("r", "U", "q", "f", "{referer}i")

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in self.MASKED_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = MASK if name == "q" and atoms[name] else mask(atoms[name])
        return atoms
