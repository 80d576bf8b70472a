"""What comes back from the channels: bounces, complaints and the mail that is neither.

report.py  what one returned message says (pure data; parsing.py reads it from the raw bytes)
models.py  InboundMail: every returned message as received, the evidence kept for a retention
           period, once per message (its digest), with what was done with it
matching.py which of our messages a report is about
policy.py  what a hard bounce, soft bounces and a complaint do to an address and its consent
ingest.py  the one path raw mail takes: parse, match, apply the policy, record (idempotent)
refusals.py a 5xx at send time, through the same policy
review.py, correction.py  staff on the clean-up worklist: restore, suppress, mark checked, correct
worklist.py, export.py, codes.py  the worklist as staff read and download it
jobs.py    the raw evidence's retention
"""
