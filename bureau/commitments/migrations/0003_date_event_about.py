# Date alerts may concern no catalog item.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0002_date_alerts'),
    ]

    operations = [
        migrations.AddField(
            model_name='dateevent',
            name='about',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
