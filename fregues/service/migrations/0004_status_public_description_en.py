"""What the customer is told of each status, in English too: a notice or tracking page in
English carried the Portuguese description. Fills it in for the two seeded circuits."""

from django.db import migrations, models

ENGLISH = {
    "technical-assistance": {
        "new": "We have received your request.",
        "triaged": "Your request was reviewed and classified.",
        "dispatched": "A partner technician has been called.",
        "in_progress": "The technician is working on your request.",
        "waiting_customer": "We need some information from you.",
        "resolved": "Your request has been resolved.",
        "closed": "Your request has been closed.",
    },
    "licence-request": {
        "submitted": "Your request has been registered.",
        "document_check": "We are checking the documents you submitted.",
        "waiting_customer": "A document is missing: see the notice we sent you.",
        "technical_review": "Your request is under technical review.",
        "legal_review": "Your request is under legal review.",
        "decision": "Your request is awaiting a decision.",
        "issued": "The licence has been issued.",
        "refused": "The request was refused.",
    },
}


def fill(apps, schema_editor):
    CircuitStatus = apps.get_model("service", "CircuitStatus")
    for circuit, texts in ENGLISH.items():
        for code, text in texts.items():
            CircuitStatus.objects.filter(
                circuit__code=circuit, code=code, public_description_en=""
            ).update(public_description_en=text)


class Migration(migrations.Migration):
    dependencies = [("service", "0003_case_sla_paused_minutes")]

    operations = [
        migrations.AddField(
            model_name="circuitstatus",
            name="public_description_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="what the customer is told (English)"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
