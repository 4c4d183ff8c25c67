# Date alerts may concern no catalog item.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0007_search_folds_letters'),
        ('delivery', '0005_outbox_announced'),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='item',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.item'),
        ),
        migrations.AlterField(
            model_name='outboxevent',
            name='item',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='outbox_events', to='catalog.item'),
        ),
    ]
