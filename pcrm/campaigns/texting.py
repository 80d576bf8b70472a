"""A campaign's SMS as residents read it: compiled once, rendered per recipient.

The same staff placeholders as the e-mail ({{ name }}, {{ survey_link }}, ...), the links being
the message's short links (bytes count in an SMS). Every text ends with the free opt-out: the
message's opt-out short link, and the office's 080 line when configured (SMS_OPT_OUT_LINE). A
promotional text starts with "(광고)" and the sender's name (정보통신망법 §50).
"""

from flask import current_app

from pcrm.campaigns.mailing import template_context
from pcrm.campaigns.models import Campaign
from pcrm.campaigns.templating import body_links, check_template, compile_text
from pcrm.messaging import sms_text
from pcrm.messaging.channels import Content

ADVERTISING = "(광고)"  # residents' SMS are in Korean, whatever the staff's locale


class CompiledSms:
    """A campaign's (or a wave's) SMS subject and text, compiled once."""

    def __init__(self, *, subject: str, body: str, context: dict, opt_out_line: str):
        check_template(subject=subject, body=body)
        self.links = body_links(body)
        self.subject = compile_text(subject) if subject.strip() else None
        self.text = compile_text(body.strip())
        self.context = context
        self.opt_out_line = opt_out_line.strip()

    def render(self, *, name: str | None, survey_link: str, unsubscribe_link: str) -> Content:
        """The SMS for one recipient, its opt-out at the end."""
        values = self.context | {
            "name": name or "구독자",
            "survey_link": survey_link,
            "unsubscribe_link": unsubscribe_link,
            "preferences_link": unsubscribe_link,
            "link": lambda n: self.links[n - 1],
        }
        subject = " ".join(self.subject.render(values).split()) if self.subject else ""
        lines = [self.text.render(values).strip()]
        if self.context["promotional"]:
            lines.insert(0, f"{ADVERTISING}{self.context['sender']}")
        lines.append(f"수신거부 {unsubscribe_link}")
        if self.opt_out_line:
            lines.append(self.opt_out_line)
        text, advertising = "\n".join(lines), self.context["promotional"]
        if not subject:
            return Content(subject=None, text=text, advertising=advertising)
        # A subject makes any text an LMS (three times the price): only for texts that are one.
        long = sms_text.message_type(text) is sms_text.SmsType.LMS
        return Content(subject=subject if long else None, text=text, advertising=advertising)


def compile_sms(campaign: Campaign, *, subject: str, body: str) -> CompiledSms:
    """The SMS of the campaign with this subject and body; TemplateProblem if it does not
    compile."""
    return CompiledSms(
        subject=subject,
        body=body,
        context=template_context(campaign),
        opt_out_line=current_app.config["SMS_OPT_OUT_LINE"],
    )
