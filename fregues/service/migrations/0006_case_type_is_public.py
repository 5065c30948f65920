"""Case types a customer may open themselves in the portal (``CaseType.is_public``).

The two seeded types (technical assistance, licence request) are what a customer asks for, so
they are marked public; any type added since stays staff-only until an admin says otherwise.
"""

from django.db import migrations, models

PUBLIC_SEEDED_TYPES = ("technical-assistance", "licence-request")


def mark_public(apps, schema_editor):
    CaseType = apps.get_model("service", "CaseType")
    CaseType.objects.filter(code__in=PUBLIC_SEEDED_TYPES).update(is_public=True)


def unmark(apps, schema_editor):
    """Nothing to undo: the column goes away with the field."""


class Migration(migrations.Migration):
    dependencies = [("service", "0005_sending_policy")]

    operations = [
        migrations.AddField(
            model_name="casetype",
            name="is_public",
            field=models.BooleanField(
                default=False,
                help_text="Customers may open requests of this type themselves in the portal.",
                verbose_name="customers open it in the portal",
            ),
        ),
        migrations.RunPython(mark_public, unmark),
    ]
