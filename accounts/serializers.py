"""API shapes of departments and users, nested the same way wherever they appear."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Department, User


class DepartmentRefSerializer(serializers.ModelSerializer):
    """A department wherever the API shows one (lead department in the issue list and detail,
    enterprise of a project, the departments directory): id, full name, short name, kind."""

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "kind"]
        # an output shape: a department read back is not a new one (no uniqueness check on its name)
        extra_kwargs = {"name": {"validators": []}}


class UserRefSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
