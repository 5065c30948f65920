"""Whether a person linked to an organisation sees the organisation's requests in the portal
(off for every existing link: staff turn it on person by person)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("parties", "0009_party_contact_hours")]

    operations = [
        migrations.AddField(
            model_name="affiliation",
            name="portal_sees_cases",
            field=models.BooleanField(
                db_default=False,
                default=False,
                verbose_name="sees the organisation's requests in the portal",
            ),
        ),
    ]
