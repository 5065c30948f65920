"""fregues campaign send ID [--recover] [--no-wait] — send a campaign in the foreground (the
worker's slices, one after another); fregues campaign plan ID — plan it and print the counts.

``--recover`` first marks the recipients a killed worker left claimed as failed
("interrupted: delivery unknown"): use it when the previous sender is known to be dead.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fregues.marketing.models import Campaign, CampaignStatus
from fregues.marketing.services.campaign_planning import campaign_plan
from fregues.marketing.services.campaign_sending import campaign_send_slice, recover_interrupted


class Command(BaseCommand):
    help = "Plan or send a campaign in the foreground."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["plan", "send"])
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("--recover", action="store_true", help="The last sender is dead.")
        parser.add_argument(
            "--no-wait", action="store_true", help="Do not wait a minute between slices."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(pk=options["campaign_id"]).first()
        if campaign is None:
            raise CommandError(f"No campaign {options['campaign_id']}.")
        if options["action"] == "plan":
            began = time.perf_counter()
            counts = campaign_plan(actor=None, campaign_id=campaign.pk)
            seconds = round(time.perf_counter() - began, 3)
            self.stdout.write(json.dumps({**counts, "seconds": seconds}))
            return
        if options["recover"]:
            recover_interrupted(campaign.pk, older_than=None)
        if campaign.status == CampaignStatus.SCHEDULED:
            Campaign.objects.filter(pk=campaign.pk).update(
                status=CampaignStatus.SENDING, started_at=timezone.now()
            )
        totals = {"sent": 0, "skipped": 0, "failed": 0}
        while True:
            began = time.monotonic()
            result = campaign_send_slice(campaign.pk)
            totals["sent"] += result.sent
            totals["skipped"] += result.skipped
            totals["failed"] += result.failed
            if not result.more:
                break
            if not options["no_wait"]:
                time.sleep(max(0.0, 60 - (time.monotonic() - began)))
        self.stdout.write(json.dumps(totals))
