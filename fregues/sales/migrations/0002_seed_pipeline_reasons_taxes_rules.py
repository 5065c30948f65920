"""What sales ships with: a default pipeline, won/lost reasons, a few taxes (Brazil and
Portugal), a default price list in reais, the lifecycle rules and a contact form. Admins edit
them afterwards; this only seeds.
"""

from django.db import migrations

STAGES = [
    # code, name pt, name en, probability, rotting days
    ("qualification", "Qualificação", "Qualification", 10, 14),
    ("contact", "Contato feito", "Contact made", 20, 14),
    ("proposal", "Proposta enviada", "Proposal sent", 50, 21),
    ("negotiation", "Negociação", "Negotiation", 75, 14),
]
REASONS = [
    # kind, name pt, name en
    ("won", "Melhor preço", "Best price"),
    ("won", "Relacionamento", "Relationship"),
    ("won", "Produto adequado", "Right product"),
    ("lost", "Preço", "Price"),
    ("lost", "Concorrente", "Competitor"),
    ("lost", "Sem orçamento", "No budget"),
    ("lost", "Sem resposta", "No response"),
    ("lost", "Momento errado", "Bad timing"),
]
TAXES = [
    # code, name, rate, country
    ("isento", "Isento", "0", ""),
    ("iss-5", "ISS 5%", "5", "BR"),
    ("icms-18", "ICMS 18%", "18", "BR"),
    ("iva-23", "IVA 23%", "23", "PT"),
    ("iva-13", "IVA 13%", "13", "PT"),
    ("iva-6", "IVA 6%", "6", "PT"),
]
RULES = [
    # kind, to stage, window days, months, min score
    ("first_paid_order", "buyer", None, None, None),
    ("repeat_order", "client", 365, None, None),
    ("dormant", "inactive", None, 12, None),
    ("referral", "advocate", None, None, None),
    ("satisfaction", "advocate", None, None, 9),
]


def seed(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    PipelineStage = apps.get_model("sales", "PipelineStage")
    CloseReason = apps.get_model("sales", "CloseReason")
    TaxRate = apps.get_model("sales", "TaxRate")
    PriceList = apps.get_model("sales", "PriceList")
    LifecycleRule = apps.get_model("sales", "LifecycleRule")
    LeadForm = apps.get_model("sales", "LeadForm")

    pipeline, created = Pipeline.objects.get_or_create(
        code="new-business",
        defaults={
            "name": "Novos negócios",
            "name_en": "New business",
            "currency": "BRL",
            "is_default": True,
        },
    )
    if created:
        for position, (code, name, name_en, probability, rotting) in enumerate(STAGES):
            PipelineStage.objects.create(
                pipeline=pipeline,
                code=code,
                name=name,
                name_en=name_en,
                probability=probability,
                rotting_days=rotting,
                position=position,
            )
    if not CloseReason.objects.exists():
        for position, (kind, name, name_en) in enumerate(REASONS):
            CloseReason.objects.create(kind=kind, name=name, name_en=name_en, position=position)
    for code, name, rate, country in TAXES:
        TaxRate.objects.get_or_create(
            code=code, defaults={"name": name, "rate": rate, "country": country}
        )
    PriceList.objects.get_or_create(
        code="padrao-brl",
        defaults={"name": "Tabela padrão", "currency": "BRL", "is_default": True},
    )
    for position, (kind, to_stage, window, months, score) in enumerate(RULES):
        LifecycleRule.objects.get_or_create(
            kind=kind,
            defaults={
                "to_stage": to_stage,
                "window_days": window,
                "months": months,
                "min_score": score,
                "position": position,
            },
        )
    LeadForm.objects.get_or_create(
        code="contato",
        defaults={
            "name": "Fale conosco",
            "title": "Fale com a nossa equipe comercial",
            "intro": "Deixe seus dados e a sua necessidade: respondemos em até um dia útil.",
            "thank_you": "Obrigado! Entraremos em contato em breve.",
            "pipeline": pipeline,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_pipelines_leads_activities_catalog_documents")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
