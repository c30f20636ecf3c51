"""The campaign figures' rollup (clues.models.ClueRollup), the triggers on the clues and the
people concerned that keep it (clues.rollup), and its first count from the clues already there."""

import django.db.models.deletion
from django.db import migrations, models

from clues import rollup


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in rollup.install_sql(vendor) + rollup.rebuild_sql(vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in rollup.uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('clues', '0002_from_case_records'),
        ('projects', '0004_stage_blocked_since'),
    ]

    operations = [
        migrations.CreateModel(
            name='ClueRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('figure', models.CharField(max_length=20, verbose_name='指标')),
                ('month', models.DateField(verbose_name='月份')),
                ('n', models.IntegerField(default=0, verbose_name='数量')),
                ('project', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.project', verbose_name='项目')),
            ],
            options={
                'verbose_name': '线索统计汇总',
                'verbose_name_plural': '线索统计汇总',
                'constraints': [models.UniqueConstraint(fields=('project', 'month', 'figure'), name='clue_rollup_key')],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
