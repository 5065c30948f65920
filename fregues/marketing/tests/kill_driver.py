"""A separate process for the kill test (``test_campaigns_kill``): sets up a file database,
sends a campaign through a given SMTP server, dumps the recipients. Run as
``python -m fregues.marketing.tests.kill_driver ACTION ...`` with ``FREGUES_DATABASE_URL``
pointing at the file."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fregues.settings")


def _smtp(port: str) -> None:
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = int(port)


def setup(count: int) -> None:
    from django.core.management import call_command

    from fregues.marketing.models import Campaign, Segment
    from fregues.marketing.services.campaign_planning import campaign_plan
    from fregues.marketing.services.campaigns import campaign_create
    from fregues.parties.services import consent_record
    from fregues.parties.tests.factories import ContactPointFactory, PartyFactory

    call_command("migrate", verbosity=0)
    ids = []
    for i in range(count):
        party = PartyFactory(given_name=f"Cliente{i}", name=f"Cliente{i} Teste", language="pt-br")
        ContactPointFactory(party=party, kind="email", value=f"cliente{i}@exemplo.com.br")
        consent_record(
            actor=None, party_id=party.pk, purpose="marketing_email", granted=True, source="form"
        )
        ids.append(party.pk)
    segment = Segment.objects.create(name="Todos", rules={"party_ids": ids})
    campaign = campaign_create(
        actor=None,
        data={
            "name": "Kill",
            "segment_id": segment.pk,
            "throttle_per_minute": 10_000,
            "messages": [{"language": "pt-br", "subject": "Oi {{ first_name }}", "body": "Oi."}],
        },
    )
    campaign_plan(actor=None, campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    print(campaign.pk)


def dump(campaign_id: str) -> None:
    from fregues.marketing.models import CampaignRecipient

    rows = CampaignRecipient.objects.filter(campaign_id=int(campaign_id)).values(
        "address", "status", "error"
    )
    print(json.dumps(list(rows)))


def main() -> None:
    import django

    action, *args = sys.argv[1:]
    django.setup()
    from django.core.management import call_command

    if action == "setup":
        setup(int(args[0]))
    elif action in ("send", "resume"):
        _smtp(args[1])
        extra = ["--recover"] if action == "resume" else []
        call_command("campaign", "send", args[0], "--no-wait", *extra)
    elif action == "dump":
        dump(args[0])


if __name__ == "__main__":
    main()
