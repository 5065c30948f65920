"""Demo data for marketing: a segment of customers who buy, a snapshot of it, a campaign sent to
it (through the locmem mail backend) — in which João da Silva, whose technical-assistance
case is still open, is skipped with the reason "open complaint" (seed 000, case A, P6) — a
draft campaign, and a few addresses on the suppression list."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

from fregues.accounts.models import User
from fregues.marketing.models import CampaignRecipient
from fregues.marketing.services.campaign_sending import campaign_send_slice, campaigns_start_due
from fregues.marketing.services.campaigns import campaign_create, campaign_schedule
from fregues.marketing.services.segments import segment_create, segment_snapshot
from fregues.parties.models import ContactPoint, Party
from fregues.parties.services import consent_record, suppression_add

BUYERS = {
    "any": [
        {"field": "lifecycle_stage", "op": "in", "value": ["buyer", "client", "advocate"]},
        {"field": "open_cases", "op": "has"},
    ]
}
MESSAGES = [
    {
        "language": "pt-br",
        "subject": "{{ first_name }}, novidades da linha branca",
        "body": (
            "Olá {{ first_name }},\n\nchegaram as novidades da nossa linha branca."
            "{% if preferred_product %} Separamos uma sugestão para você: "
            "{{ preferred_product }}.{% endif %}\n\nVeja em https://exemplo.com.br/novidades\n\n"
            "Para não receber mais: {{ unsubscribe_url }}"
        ),
    },
    {
        "language": "pt-pt",
        "subject": "{{ first_name }}, novidades da linha branca",
        "body": (
            "Olá {{ first_name }},\n\nchegaram as novidades da nossa linha branca."
            "{% if preferred_product %} Temos uma sugestão para si: "
            "{{ preferred_product }}.{% endif %}\n\nVeja em https://exemplo.pt/novidades\n\n"
            "Para deixar de receber: {{ unsubscribe_url }}"
        ),
    },
    {
        "language": "en",
        "subject": "{{ first_name }}, what's new in home appliances",
        "body": (
            "Hello {{ first_name }},\n\nour new home appliances are here."
            "{% if preferred_product %} We picked one for you: {{ preferred_product }}."
            "{% endif %}\n\nSee https://exemplo.com.br/novidades\n\n"
            "To stop receiving these: {{ unsubscribe_url }}"
        ),
    },
]


def _suppressions(people: list[Party], marketer: User) -> int:
    emails = list(
        ContactPoint.objects.filter(party__in=people[-40:], kind="email").values_list(
            "normalized", flat=True
        )[:3]
    )
    for address, reason in zip(emails, ("hard_bounce", "unsubscribe", "complaint"), strict=False):
        suppression_add(actor=marketer, kind="email", address=address, reason=reason, source="demo")
    return len(emails)


def load_marketing_demo(*, users: dict[str, User], people: list[Party]) -> str:
    """The marketing demo; returns a one-line report."""
    marketer = users["marta"]
    joao = people[0]  # case A: his technical-assistance case is open
    consent_record(
        actor=users["ana"],
        party_id=joao.pk,
        purpose="marketing_email",
        granted=True,
        source="form",
        text_version="2026-01",
    )
    suppressed = _suppressions(people, marketer)
    segment = segment_create(
        actor=marketer,
        data={
            "name": "Quem compra (e quem espera atendimento)",
            "description": "Compradores, clientes e defensores, e quem tem um atendimento aberto.",
            "rules": BUYERS,
        },
    )
    snapshot = segment_snapshot(actor=marketer, segment_id=segment.pk, name="Novembro")
    data: dict[str, Any] = {
        "name": "Novidades da linha branca",
        "channel": "email",
        "purpose": "marketing_email",
        "snapshot_id": snapshot.pk,
        "segment_id": segment.pk,
        "default_language": "pt-br",
        "messages": MESSAGES,
    }
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        campaign = campaign_create(actor=marketer, data=data)
        campaign_schedule(actor=marketer, campaign_id=campaign.pk)
        campaigns_start_due()  # what the periodic task does every minute
        while campaign_send_slice(campaign.pk, limit=500).more:
            pass
        draft = campaign_create(
            actor=marketer,
            data={**data, "name": "Convite: feira de dezembro", "snapshot_id": None},
        )
    sent = CampaignRecipient.objects.filter(campaign=campaign, status="sent").count()
    skipped = CampaignRecipient.objects.filter(campaign=campaign, status="skipped").count()
    joao_reason = (
        CampaignRecipient.objects.filter(campaign=campaign, party=joao)
        .values_list("skip_reason", flat=True)
        .first()
    )
    return (
        f"Marketing: segment '{segment.name}' ({snapshot.member_count} in its snapshot); "
        f"campaign '{campaign.name}' sent to {sent}, {skipped} skipped (João da Silva: "
        f"{joao_reason or 'not in it'}); draft '{draft.name}'; {suppressed} suppressed addresses."
    )
