"""The purposes Freguês ships with (admins edit them afterwards; this only seeds)."""

from django.db import migrations

PURPOSES = [
    # code, name pt, name en, lawful basis, channels, what the customer is told
    (
        "marketing_email",
        "Ofertas por e-mail",
        "Offers by e-mail",
        "consent",
        ["email"],
        "Receber novidades, ofertas e catálogos por e-mail.",
    ),
    (
        "marketing_messages",
        "Ofertas por SMS e WhatsApp",
        "Offers by SMS and WhatsApp",
        "consent",
        ["sms", "whatsapp"],
        "Receber ofertas por SMS e WhatsApp.",
    ),
    (
        "marketing_phone",
        "Ofertas por telefone",
        "Offers by phone",
        "consent",
        ["phone"],
        "Receber ligações com ofertas.",
    ),
    (
        "profiling",
        "Perfil e análises",
        "Profiling and analytics",
        "consent",
        [],
        "Usar o seu histórico de compras e contatos para recomendar produtos do seu interesse.",
    ),
    (
        "partner_sharing",
        "Compartilhar com parceiros",
        "Sharing with partners",
        "consent",
        [],
        "Compartilhar os seus dados de contato com empresas parceiras.",
    ),
    (
        "service_notices",
        "Avisos sobre os seus pedidos",
        "Notices about your requests",
        "contract",
        ["email", "sms", "whatsapp"],
        "Avisos sobre o andamento dos seus pedidos e atendimentos.",
    ),
]


def seed(apps, schema_editor):
    ConsentPurpose = apps.get_model("parties", "ConsentPurpose")
    for position, (code, name, name_en, basis, channels, text) in enumerate(PURPOSES):
        ConsentPurpose.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "lawful_basis": basis,
                "channels": channels,
                "description": text,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("parties", "0006_consent_ledger")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
