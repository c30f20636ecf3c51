from django.db import migrations

# The issues a department assists, read from the index alone: a liaison's scope (issues.selectors.
# issue_scope_q) hashes them before every page and count. With only the foreign key's index on
# department_id, each link row was fetched from the table (1,100 at S, 11,000 at 10 × S).
# The link table is Django's own (assisting_departments has no through model), hence SQL.
INDEX = "issue_assisting_department_issue"


class Migration(migrations.Migration):
    dependencies = [("issues", "0008_ledger_scope_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON issues_issue_assisting_departments (department_id, issue_id)",
            reverse_sql=f"DROP INDEX {INDEX}",
        )
    ]
