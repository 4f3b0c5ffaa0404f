"""Attachments record their digest with its algorithm: SM3 from now on, SHA-256 for the
files uploaded before (issue 17 point 5). Existing rows keep their SHA-256 hex in
`digest` and are marked "sha256", so downloads keep checking them as recorded."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0009_loop_unit_review"),
    ]

    operations = [
        migrations.RenameField(model_name="attachment", old_name="sha256", new_name="digest"),
        # Every row already stored was hashed with SHA-256.
        migrations.AddField(
            model_name="attachment",
            name="algorithm",
            field=models.CharField(
                choices=[("sm3", "SM3"), ("sha256", "SHA-256")], default="sha256", max_length=10
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="attachment",
            name="algorithm",
            field=models.CharField(
                choices=[("sm3", "SM3"), ("sha256", "SHA-256")], default="sm3", max_length=10
            ),
        ),
    ]
