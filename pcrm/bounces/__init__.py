"""What comes back from the channels: bounces, complaints and the mail that is neither.

report.py  what one returned message says (pure data; parsing.py reads it from the raw bytes)
parsing.py raw bytes to a Report (pure, never raises), with mime.py (charsets, encodings),
           formats.py (RFC 3464 DSN, RFC 5965 ARF, free text), codes.py (a server's words to an
           RFC 3463 status, hard or soft) and signs.py (auto-replies, challenges, receipts)
models.py  InboundMail: every returned message as received, the evidence kept for a retention
           period, once per message (its digest), with what was done with it; AddressBounce,
           AddressReview: what the policy applied, and the clean-up worklist
matching.py which of our messages a report is about
policy.py  what a hard bounce, soft bounces and a complaint do to an address and its consent
ingest.py  the one path raw mail takes: parse, match, apply the policy, record (idempotent,
           one transaction)
refusals.py a 5xx at send time, through the same policy
review.py, correction.py  staff on the clean-up worklist: restore, suppress, mark checked, correct
worklist.py, export.py, status_words.py  the worklist as staff read and download it
imap.py, jobs.py  the bounce mailbox poller; jobs.py also the raw evidence's retention
sns.py, ses.py, signed.py, provider_events.py, webhooks.py  SES through SNS, the signed webhook
left_mail.py, mail_views.py  the mail left for a person
files.py, commands.py  `pcrm bounces ingest FILE...` (.eml and mbox)
"""
